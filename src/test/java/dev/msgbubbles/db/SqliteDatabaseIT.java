package dev.msgbubbles.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.support.TestStore;
import org.junit.jupiter.api.Test;

class SqliteDatabaseIT extends DatabaseContract {
    @Override
    TestStore newStore() {
        return TestStore.emptySqlite();
    }

    @Override
    Dialect expectedDialect() {
        return Dialect.SQLITE;
    }

    /** 999 rows of 1,000 characters each: more than a database of a few pages can take. */
    private static final String FILL = "WITH RECURSIVE s(n) AS (SELECT 2 UNION ALL SELECT n + 1 FROM s WHERE n < 1000) "
            + "INSERT INTO filler SELECT n, hex(randomblob(500)) FROM s";

    private static long rows(Database db) {
        return db.read(h -> h.createQuery("SELECT COUNT(*) FROM filler").mapTo(Long.class).one());
    }

    @Test
    void a_full_disk_fails_writes_as_unavailable_keeps_what_was_committed_and_passes() {
        try (TestStore small = TestStore.sqlite(); Database full = small.open()) {
            full.writeVoid(h -> h.execute("CREATE TABLE filler (n INTEGER NOT NULL, pad TEXT NOT NULL)"));
            full.writeVoid(h -> h.execute("INSERT INTO filler VALUES (1, 'committed')"));
            // the writer's file may not grow beyond what it has now, as on a full disk
            long pages = full.write(h -> h.createQuery("PRAGMA page_count").mapTo(Long.class).one());
            full.writeVoid(h -> h.execute("PRAGMA max_page_count = " + pages));

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> full.writeVoid(h -> h.execute(FILL)))
                    .isInstanceOf(StoreUnavailable.class)
                    .hasMessageContaining("the SQLite store is unavailable");
            assertThat(rows(full)).isEqualTo(1);

            full.writeVoid(h -> h.execute("PRAGMA max_page_count = 1073741823")); // room again: writes go on
            full.writeVoid(h -> h.execute(FILL));
            assertThat(rows(full)).isEqualTo(1000);
        }
    }

    @Test
    void a_store_another_process_keeps_locked_past_the_wait_fails_writes_as_unavailable_and_passes() throws Exception {
        // another process (the admin CLI, a second server) holds the store's write lock: the writer waits for it as
        // long as for a connection, then gives up without having written anything
        try (TestStore locked = TestStore.sqlite();
             Database store = Database.open(locked.config(java.util.Map.of("MSGBUBBLES_DATABASE_WAIT_MS", "250"))
                     .storage(), null)) {
            store.writeVoid(h -> h.execute("CREATE TABLE filler (n INTEGER NOT NULL, pad TEXT NOT NULL)"));
            String file = locked.config(java.util.Map.of()).storage().database().jdbcUrl();
            java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
            try (java.sql.Connection other = java.sql.DriverManager.getConnection(file);
                 java.sql.Statement lock = other.createStatement()) {
                lock.execute("BEGIN IMMEDIATE");
                long started = System.nanoTime();
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.writeVoid(h -> {
                    ran.incrementAndGet();
                    h.execute("INSERT INTO filler VALUES (1, 'never')");
                })).isInstanceOf(StoreUnavailable.class).hasMessageContaining("the SQLite store is unavailable");
                assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(5));
                lock.execute("ROLLBACK");
            }
            assertThat(ran).hasValue(0);
            store.writeVoid(h -> h.execute("INSERT INTO filler VALUES (2, 'after')")); // the lock is gone: writes go on
            assertThat(rows(store)).isEqualTo(1);
        }
    }

    @Test
    void sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout() {
        String journal = db.read(h -> h.createQuery("PRAGMA journal_mode").mapTo(String.class).one());
        int foreignKeys = db.read(h -> h.createQuery("PRAGMA foreign_keys").mapTo(Integer.class).one());
        int busyTimeout = db.read(h -> h.createQuery("PRAGMA busy_timeout").mapTo(Integer.class).one());
        int synchronous = db.write(h -> h.createQuery("PRAGMA synchronous").mapTo(Integer.class).one());
        assertThat(journal).isEqualToIgnoringCase("wal");
        assertThat(foreignKeys).isEqualTo(1);
        assertThat(busyTimeout).isEqualTo(5_000); // MSGBUBBLES_DATABASE_WAIT_MS's default
        assertThat(synchronous).isEqualTo(1); // NORMAL
    }

    @Test
    void the_write_ahead_log_stays_bounded_under_sustained_writes() throws Exception {
        // the writer checkpoints as it goes (SQLite's automatic checkpoint): a checkpoint left only to a background
        // connection never catches up with a busy writer, and the log grew to gigabytes under the benchmark
        writeBackToBackAndCheckTheLog("filler");
    }

    /** ≈ 80 MB into a new {@code table} in 400 commits, back to back; then the log is under 32 MB and nothing lost. */
    private void writeBackToBackAndCheckTheLog(String table) throws Exception {
        db.writeVoid(h -> h.execute("CREATE TABLE " + table + " (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"));
        for (int batch = 0; batch < 400; batch++) {
            db.writeVoid(h -> {
                for (int i = 0; i < 50; i++) {
                    h.execute("INSERT INTO " + table + " (body) VALUES (?)", "x".repeat(4_000));
                }
            });
        }
        java.nio.file.Path wal = java.nio.file.Path.of(store.environment().get("MSGBUBBLES_DATA_DIR"), "msgbubbles.db-wal");
        assertThat(java.nio.file.Files.size(wal)).isLessThan(32L * 1024 * 1024);
        long rows = db.read(h -> h.createQuery("SELECT COUNT(*) FROM " + table).mapTo(Long.class).one());
        assertThat(rows).isEqualTo(20_000);
    }

    @Test
    void background_checkpoints_copy_the_log_into_the_database_file() throws Exception {
        java.nio.file.Path file = newTableWithTheLogCopied("filler_copied");
        long before = java.nio.file.Files.size(file);
        for (int batch = 0; batch < 10; batch++) { // ≈ 100 pages: fewer than the writer's own checkpoint waits for
            db.writeVoid(h -> {
                for (int i = 0; i < 10; i++) {
                    h.execute("INSERT INTO filler_copied (body) VALUES (?)", "x".repeat(4_000));
                }
            });
        }
        // the pages are in the log only: the writer has not checkpointed (the premise of the check below)
        assertThat(java.nio.file.Files.size(file)).isEqualTo(before);

        try (AutoCloseable checkpoints = db.backgroundCheckpoints(java.time.Duration.ofMillis(5))) {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (java.nio.file.Files.size(file) < before + 100 * 4_000 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // leave the cores to the checkpointer it waits for
            }
            assertThat(java.nio.file.Files.size(file)).isGreaterThanOrEqualTo(before + 100 * 4_000);
        }
        long rows = db.read(h -> h.createQuery("SELECT COUNT(*) FROM filler_copied").mapTo(Long.class).one());
        assertThat(rows).isEqualTo(100);
    }

    @Test
    void the_write_ahead_log_stays_bounded_with_background_checkpoints_beside_the_writer() throws Exception {
        // the writer's own checkpoints still finish the log now and then, so it starts again from its beginning
        try (AutoCloseable checkpoints = db.backgroundCheckpoints(java.time.Duration.ofMillis(1))) {
            writeBackToBackAndCheckTheLog("filler_beside");
        }
    }

    @Test
    void no_background_checkpoints_when_switched_off() throws Exception {
        java.nio.file.Path file = newTableWithTheLogCopied("filler_off");
        long before = java.nio.file.Files.size(file);
        try (AutoCloseable checkpoints = db.backgroundCheckpoints(java.time.Duration.ZERO)) {
            db.writeVoid(h -> h.execute("INSERT INTO filler_off (body) VALUES (?)", "x".repeat(40_000)));
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("sqlite-checkpointer"));
        }
        assertThat(java.nio.file.Files.size(file)).isEqualTo(before);
    }

    /** Creates {@code table}, copies the whole log into the database file and returns that file. */
    private java.nio.file.Path newTableWithTheLogCopied(String table) {
        db.writeVoid(h -> h.execute("CREATE TABLE " + table + " (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"));
        db.outsideTransaction("PRAGMA main.wal_checkpoint(TRUNCATE)"); // main: the side file is attached read-only
        return java.nio.file.Path.of(store.environment().get("MSGBUBBLES_DATA_DIR"), "msgbubbles.db");
    }
}
