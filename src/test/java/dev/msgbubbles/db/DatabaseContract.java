package dev.msgbubbles.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.support.TestStore;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DatabaseContract {
    TestStore store;
    Database db;

    abstract TestStore newStore();

    abstract Dialect expectedDialect();

    @BeforeAll
    void open() {
        store = newStore();
        db = store.open();
    }

    @AfterAll
    void close() {
        db.close();
        store.close();
    }

    @Test
    void work_that_gets_no_connection_within_the_wait_fails_as_unavailable_and_never_runs() throws Exception {
        // one connection to write with (SQLite always; PostgreSQL with a pool of one), held by a transaction that waits
        java.util.Map<String, String> small = java.util.Map.of("MSGBUBBLES_DATABASE_WAIT_MS", "250",
                "MSGBUBBLES_DATABASE_POOL_SIZE", "1");
        try (Database narrow = Database.open(store.config(small).storage(), null);
             var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            var holder = threads.submit(() -> narrow.writeVoid(h -> {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }));
            holding.await();
            java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> narrow.writeVoid(h -> ran.incrementAndGet()))
                    .isInstanceOf(StoreUnavailable.class)
                    .hasMessageContaining("the " + (expectedDialect() == Dialect.SQLITE ? "SQLite" : "PostgreSQL")
                            + " store is unavailable");
            assertThat(ran).hasValue(0);

            release.countDown();
            holder.get();
            narrow.writeVoid(h -> ran.incrementAndGet()); // the connection is back: work runs again
            assertThat(ran).hasValue(1);
        }
    }

    @Test
    void opening_applies_every_migration_and_reports_ready() {
        assertThat(db.dialect()).isEqualTo(expectedDialect());
        assertThat(db.ready()).isTrue();
        long accounts = db.read(h -> h.createQuery("SELECT COUNT(*) FROM accounts").mapTo(Long.class).one());
        assertThat(accounts).isZero();
    }

    @Test
    void reopening_a_migrated_database_is_a_no_op() {
        try (Database again = store.open()) {
            assertThat(again.ready()).isTrue();
        }
    }

    @Test
    void uuids_round_trip_through_the_dialects_column_type() {
        UUID id = UUID.randomUUID();
        db.writeVoid(h -> h.createUpdate("INSERT INTO accounts (id, name, status, created_at, updated_at) "
                + "VALUES (:id, :name, 'active', 0, 0)").bind("id", id).bind("name", "uuid-" + id).execute());
        UUID read = db.read(h -> h.createQuery("SELECT id FROM accounts WHERE name = :name")
                .bind("name", "uuid-" + id).mapTo(UUID.class).one());
        assertThat(read).isEqualTo(id);
    }

    @Test
    void a_failed_write_rolls_back_everything_it_did() {
        UUID id = UUID.randomUUID();
        try {
            db.writeVoid(h -> {
                h.createUpdate("INSERT INTO accounts (id, name, status, created_at, updated_at) "
                        + "VALUES (:id, 'rollback', 'active', 0, 0)").bind("id", id).execute();
                throw new IllegalStateException("boom");
            });
        } catch (IllegalStateException expected) {
            // the point of the test
        }
        long rows = db.read(h -> h.createQuery("SELECT COUNT(*) FROM accounts WHERE name = 'rollback'")
                .mapTo(Long.class).one());
        assertThat(rows).isZero();
    }

    @Test
    void a_kept_statement_limits_by_each_new_count_bound_to_it() {
        // SQLite prepares LIMIT ? as LIMIT +? (Sql.sqliteText): the count must still follow every binding of a kept
        // statement
        UUID account = UUID.randomUUID();
        insertEvents(account, "evt_lim_", 10);
        String sql = "SELECT id FROM events WHERE account_id = ? ORDER BY id LIMIT ?";
        List<List<String>> pages = db.read(h -> java.util.stream.Stream.of(3, 7, 1, 3, 20)
                .map(limit -> Sql.list(h, sql, row -> row.string("id"), account, limit)).toList());
        assertThat(pages).extracting(List::size).containsExactly(3, 7, 1, 3, 10);
        assertThat(pages.get(2)).containsExactly("evt_lim_0");
        assertThat(pages.get(3)).containsExactly("evt_lim_0", "evt_lim_1", "evt_lim_2");
    }

    @Test
    void insert_all_writes_every_row_across_statements() {
        // 300 rows: statements of 256, 32, 8 and 4 rows
        UUID account = UUID.randomUUID();
        insertEvents(account, "evt_all_", 300);
        java.util.Map<String, String> stored = new java.util.HashMap<>();
        db.read(h -> h.createQuery("SELECT id, payload FROM events WHERE account_id = :account").bind("account", account)
                .map((rs, ctx) -> java.util.Map.entry(rs.getString("id"), rs.getString("payload"))).list())
                .forEach(e -> assertThat(stored.put(e.getKey(), e.getValue())).isNull());
        assertThat(stored).hasSize(300).containsEntry("evt_all_0", "{\"n\":0}").containsEntry("evt_all_299", "{\"n\":299}");
    }

    /** {@code count} events of {@code account} through {@link Sql#insertAll}: ids idPrefix + i, payloads {"n":i}. */
    private void insertEvents(UUID account, String idPrefix, int count) {
        List<Object[]> rows = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            rows.add(new Object[] {idPrefix + i, account, "test", "message.sent", "{\"n\":" + i + "}", 1L});
        }
        db.writeVoid(h -> Sql.insertAll(h,
                "INSERT INTO events (id, account_id, mode, type, payload, created_at) VALUES", 6, rows));
    }

    @Test
    void statistics_gaps_name_autovacuum_turned_off_for_the_server_or_for_one_of_the_tables() {
        if (expectedDialect() == Dialect.SQLITE) {
            assertThat(db.statisticsGaps()).isEmpty();
            return;
        }
        // this machine's server runs with autovacuum off; elsewhere it may be on: the answer follows the server
        boolean serverOff = db.read(h -> h.createQuery("SHOW autovacuum").mapTo(String.class).one()).equals("off");
        List<String> server = serverOff ? List.of("autovacuum = off") : List.of();
        assertThat(db.statisticsGaps()).isEqualTo(server);

        db.writeVoid(h -> h.execute("ALTER TABLE webhook_deliveries SET (autovacuum_enabled = off)"));
        db.writeVoid(h -> h.execute("ALTER TABLE messages SET (autovacuum_enabled = false, fillfactor = 30)"));
        List<String> both = new java.util.ArrayList<>(server);
        both.addAll(List.of("messages: autovacuum_enabled = false", "webhook_deliveries: autovacuum_enabled = false"));
        assertThat(db.statisticsGaps()).isEqualTo(both);

        db.writeVoid(h -> h.execute("ALTER TABLE messages SET (autovacuum_enabled = true)"));
        List<String> one = new java.util.ArrayList<>(server);
        one.add("webhook_deliveries: autovacuum_enabled = false");
        assertThat(db.statisticsGaps()).isEqualTo(one);

        // as the migrations left them (other tests read the tables' options)
        db.writeVoid(h -> h.execute("ALTER TABLE webhook_deliveries RESET (autovacuum_enabled)"));
        db.writeVoid(h -> h.execute("ALTER TABLE messages RESET (autovacuum_enabled)"));
        assertThat(db.statisticsGaps()).isEqualTo(server);
    }

    @Test
    void a_failed_statement_names_no_value_it_was_given() {
        // what a failure logs (a 500's, a job's) must not carry what was bound: message texts, handles, key hashes
        String secret = "a message body " + java.util.UUID.randomUUID();
        db.writeVoid(tx -> tx.execute("CREATE TABLE leak_probe (v TEXT PRIMARY KEY)"));
        try {
            db.writeVoid(tx -> tx.createUpdate("INSERT INTO leak_probe (v) VALUES (:v)").bind("v", secret).execute());
            Throwable failure = null;
            try {
                db.writeVoid(tx -> tx.createUpdate("INSERT INTO leak_probe (v) VALUES (:v)").bind("v", secret).execute());
            } catch (RuntimeException e) {
                failure = e;
            }
            org.assertj.core.api.Assertions.assertThat(failure).as("a duplicate key fails").isNotNull();
            java.io.StringWriter logged = new java.io.StringWriter();
            failure.printStackTrace(new java.io.PrintWriter(logged));
            org.assertj.core.api.Assertions.assertThat(logged.toString()).as("the failure as logged")
                    .contains("leak_probe").doesNotContain(secret);
        } finally {
            db.writeVoid(tx -> tx.execute("DROP TABLE leak_probe"));
        }
    }
}
