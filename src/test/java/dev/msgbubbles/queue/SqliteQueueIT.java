package dev.msgbubbles.queue;

import dev.msgbubbles.support.TestStore;

class SqliteQueueIT extends QueueContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
