package dev.msgbubbles.event;

import dev.msgbubbles.support.TestStore;

class SqliteEventPurgeIT extends EventPurgeContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
