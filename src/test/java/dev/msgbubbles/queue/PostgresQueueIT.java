package dev.msgbubbles.queue;

import dev.msgbubbles.support.TestStore;

class PostgresQueueIT extends QueueContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("queue");
    }
}
