package dev.msgbubbles.db;

import dev.msgbubbles.support.TestStore;

class PostgresGroupCommitIT extends GroupCommitContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("groupcommit");
    }
}
