package dev.msgbubbles.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.support.TestStore;
import org.junit.jupiter.api.Test;

class SqliteDatabaseIT extends DatabaseContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }

    @Override
    Dialect expectedDialect() {
        return Dialect.SQLITE;
    }

    @Test
    void sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout() {
        String journal = db.read(h -> h.createQuery("PRAGMA journal_mode").mapTo(String.class).one());
        int foreignKeys = db.read(h -> h.createQuery("PRAGMA foreign_keys").mapTo(Integer.class).one());
        int busyTimeout = db.read(h -> h.createQuery("PRAGMA busy_timeout").mapTo(Integer.class).one());
        int synchronous = db.write(h -> h.createQuery("PRAGMA synchronous").mapTo(Integer.class).one());
        assertThat(journal).isEqualToIgnoringCase("wal");
        assertThat(foreignKeys).isEqualTo(1);
        assertThat(busyTimeout).isEqualTo(10_000);
        assertThat(synchronous).isEqualTo(1); // NORMAL
    }
}
