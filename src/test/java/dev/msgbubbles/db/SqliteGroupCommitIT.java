package dev.msgbubbles.db;

import dev.msgbubbles.support.TestStore;

class SqliteGroupCommitIT extends GroupCommitContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
