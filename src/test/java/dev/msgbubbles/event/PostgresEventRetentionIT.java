package dev.msgbubbles.event;

import dev.msgbubbles.support.TestStore;

class PostgresEventRetentionIT extends EventRetentionContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("eventretention");
    }
}
