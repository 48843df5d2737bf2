package dev.msgbubbles.event;

import dev.msgbubbles.support.TestStore;

class SqliteEventRetentionIT extends EventRetentionContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
