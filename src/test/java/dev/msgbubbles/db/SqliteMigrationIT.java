package dev.msgbubbles.db;

import dev.msgbubbles.support.TestStore;

class SqliteMigrationIT extends MigrationContract {
    @Override
    TestStore newStore() {
        return TestStore.emptySqlite();
    }

    @Override
    Dialect dialect() {
        return Dialect.SQLITE;
    }
}
