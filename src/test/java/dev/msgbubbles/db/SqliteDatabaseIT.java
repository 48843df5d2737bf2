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
    void the_write_ahead_log_stays_bounded_under_sustained_writes() throws Exception {
        db.writeVoid(h -> h.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"));
        for (int batch = 0; batch < 400; batch++) { // ≈ 80 MB written in 400 commits, back to back
            db.writeVoid(h -> {
                for (int i = 0; i < 50; i++) {
                    h.execute("INSERT INTO filler (body) VALUES (?)", "x".repeat(4_000));
                }
            });
        }

        java.nio.file.Path wal = java.nio.file.Path.of(store.environment().get("MSGBUBBLES_DATA_DIR"), "msgbubbles.db-wal");
        // the writer checkpoints as it goes (SQLite's automatic checkpoint): a checkpoint left only to a background
        // connection never catches up with a busy writer, and the log grew to gigabytes under the benchmark
        assertThat(java.nio.file.Files.size(wal)).isLessThan(32L * 1024 * 1024);
        long rows = db.read(h -> h.createQuery("SELECT COUNT(*) FROM filler").mapTo(Long.class).one());
        assertThat(rows).isEqualTo(20_000);
    }
}
