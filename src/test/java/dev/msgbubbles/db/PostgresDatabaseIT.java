package dev.msgbubbles.db;

import dev.msgbubbles.support.TestStore;

class PostgresDatabaseIT extends DatabaseContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("database");
    }

    @Override
    Dialect expectedDialect() {
        return Dialect.POSTGRESQL;
    }
}
