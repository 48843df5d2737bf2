package dev.msgbubbles.db;

import dev.msgbubbles.support.TestStore;

class PostgresMigrationIT extends MigrationContract {
    @Override
    TestStore newStore() {
        return TestStore.emptyPostgres("migration");
    }

    @Override
    Dialect dialect() {
        return Dialect.POSTGRESQL;
    }
}
