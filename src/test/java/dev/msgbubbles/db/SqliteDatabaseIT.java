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

    @Test
    void the_writer_never_checkpoints_itself_and_what_it_wrote_survives_a_close_and_reopen() {
        int autoCheckpoint = db.write(h -> h.createQuery("PRAGMA wal_autocheckpoint").mapTo(Integer.class).one());
        assertThat(autoCheckpoint).isZero(); // the Checkpointer's own connection does it

        db.writeVoid(h -> h.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"));
        for (int batch = 0; batch < 20; batch++) {
            db.writeVoid(h -> {
                for (int i = 0; i < 200; i++) {
                    h.execute("INSERT INTO filler (body) VALUES (?)", "x".repeat(2_000));
                }
            });
        }
        db.close();

        try (Database again = store.open()) {
            long rows = again.read(h -> h.createQuery("SELECT COUNT(*) FROM filler").mapTo(Long.class).one());
            assertThat(rows).isEqualTo(4_000);
        }
        db = store.open(); // for the shared teardown
    }
}
