package dev.msgbubbles.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.support.TestStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostgresDatabaseIT extends DatabaseContract {
    @Override
    TestStore newStore() {
        return TestStore.emptyPostgres("database");
    }

    @Override
    Dialect expectedDialect() {
        return Dialect.POSTGRESQL;
    }

    @Test
    void write_transactions_run_at_read_committed_as_the_pool_sets_it() {
        String level = db.write(h -> h.createQuery("SHOW transaction_isolation").mapTo(String.class).one());
        assertThat(level).isEqualTo("read committed");
    }

    @Test
    void rows_updated_soon_after_they_are_written_have_room_left_on_their_page() {
        List<String> options = db.read(h -> h.createQuery("SELECT c.relname || ':' || array_to_string(c.reloptions, ',') "
                + "FROM pg_class c WHERE c.relname IN ('messages', 'webhook_deliveries', 'jobs', 'delivery_jobs') "
                + "AND c.relnamespace = to_regnamespace(current_schema()) ORDER BY c.relname").mapTo(String.class).list());
        assertThat(options).containsExactly("delivery_jobs:fillfactor=50", "jobs:fillfactor=50", "messages:fillfactor=30",
                "webhook_deliveries:fillfactor=70");
    }

    @Test
    void each_event_writes_two_index_entries_its_cursor_and_its_account_s_stream_position() {
        List<String> indexes = db.read(h -> h.createQuery("SELECT indexdef FROM pg_indexes WHERE tablename = 'events' "
                + "AND schemaname = current_schema() ORDER BY indexname").mapTo(String.class).list());
        assertThat(indexes).hasSize(2);
        assertThat(indexes.get(0)).contains("(account_id, mode, cursor)");
        assertThat(indexes.get(1)).contains("UNIQUE INDEX events_pkey").contains("(cursor)");
    }

    @Test
    void the_analyzer_analyzes_a_table_each_time_it_holds_ten_times_the_rows_its_statistics_counted() {
        Analyzer analyzer = new Analyzer(db, 1_000);
        db.writeVoid(h -> h.execute("CREATE TABLE analyzer_probe (id BIGINT PRIMARY KEY, status TEXT NOT NULL)"));
        try {
            grow("analyzer_probe", 0, 999);
            assertThat(analyzer.runOnce()).isEmpty();
            grow("analyzer_probe", 999, 1);
            assertThat(analyzer.runOnce()).containsExactly("analyzer_probe");
            assertThat(counted("analyzer_probe")).isEqualTo(1_000);
            assertThat(analyzer.runOnce()).isEmpty();

            grow("analyzer_probe", 1_000, 8_999);
            assertThat(analyzer.runOnce()).isEmpty();
            grow("analyzer_probe", 9_999, 1);
            assertThat(analyzer.runOnce()).containsExactly("analyzer_probe");
            assertThat(counted("analyzer_probe")).isEqualTo(10_000);
        } finally {
            db.writeVoid(h -> h.execute("DROP TABLE analyzer_probe"));
        }
    }

    @Test
    void a_plan_kept_from_when_a_table_was_small_is_made_again_once_the_analyzer_has_analyzed_it() throws SQLException {
        db.writeVoid(h -> h.execute("CREATE TABLE plan_probe (id BIGINT PRIMARY KEY, status TEXT NOT NULL)"));
        // the shape of the settlement statements (LastWrites.FromValues): a list of keys joined to a growing table
        String settle = "UPDATE plan_probe AS d SET status = v.status FROM (VALUES "
                + String.join(", ", java.util.Collections.nCopies(8, "(?, ?::bigint)"))
                + ") AS v (status, id) WHERE d.id = v.id AND d.status = 'pending'";
        String url = store.environment().get("MSGBUBBLES_DATABASE_URL");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + url.substring(url.indexOf('@') + 1),
                "postgres", null)) {
            grow("plan_probe", 0, 10);
            for (int run = 0; run < 12; run++) { // the driver prepares it on the server after 5, which plans it
                assertThat(seqScans(c, settle)).isEqualTo(1); // generically after 5 more: for a table of one page
            }
            grow("plan_probe", 10, 20_000);
            assertThat(seqScans(c, settle)).as("the plan kept from a table of one page reads all 20,010 rows")
                    .isEqualTo(1);

            assertThat(new Analyzer(db, 1_000).runOnce()).contains("plan_probe");
            assertThat(seqScans(c, settle)).as("planned again for the table's size: through its key").isZero();
        } finally {
            db.writeVoid(h -> h.execute("DROP TABLE plan_probe"));
        }
    }

    /** Inserts rows {@code from} .. {@code from + count - 1} and makes the statistics count them now. */
    private void grow(String table, int from, int count) {
        db.writeVoid(h -> {
            h.execute("INSERT INTO " + table + " SELECT g, 'pending' FROM generate_series(" + from + ", "
                    + (from + count - 1) + ") g");
            h.execute("SELECT pg_stat_force_next_flush()"); // at the commit, not within a second of it
        });
    }

    private long counted(String table) {
        return db.read(h -> h.createQuery("SELECT reltuples::bigint FROM pg_class WHERE relname = :t "
                + "AND relnamespace = current_schema()::regnamespace").bind("t", table).mapTo(Long.class).one());
    }

    /** The session's scans of the table not yet reported (so also those of earlier transactions, for up to 1 s). */
    private static long xactSeqScans(Connection c) throws SQLException {
        try (PreparedStatement scans = c.prepareStatement(
                "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'plan_probe'");
             ResultSet rs = scans.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Runs {@code settle} for keys 1..8 on {@code c} and answers how many sequential scans of the table it made. */
    private static long seqScans(Connection c, String settle) throws SQLException {
        c.setAutoCommit(false);
        try {
            long before = xactSeqScans(c);
            try (PreparedStatement update = c.prepareStatement(settle)) {
                for (int i = 0; i < 8; i++) {
                    update.setString(2 * i + 1, "pending");
                    update.setLong(2 * i + 2, i + 1);
                }
                update.executeUpdate();
            }
            return xactSeqScans(c) - before;
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
    }
}
