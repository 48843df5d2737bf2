package dev.msgbubbles.db;

import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL where nothing analyzes the tables (autovacuum off, see {@link Database#statisticsGaps}): analyzes each
 * table of the schema once it holds {@value #GROWTH} times the rows its statistics last counted, and at least
 * {@code minRows}, checking every {@code every}.
 *
 * <p>Why: the driver prepares a statement on the server after five runs, and the server then keeps one generic plan
 * for it per connection until the statistics of a table it reads change. A plan made while a table held a few pages
 * reads it whole, and it stays while the table grows: the webhook settlement ({@code UPDATE webhook_deliveries …
 * FROM (VALUES …)}) took 17 ms a run that way at 200,000 deliveries, half the time of all statements auto_explain
 * sampled in that run of the webhook benchmark, where the same statement planned for the table's size takes 0.1 ms.
 * An ANALYZE makes every connection plan the statements reading that table again, now for a table of its size.
 *
 * <p>Tenfold growth keeps analyzing rare (at 10,000 rows, 100,000, a million): one ANALYZE reads a sample of at most
 * 30,000 rows, 0.3-0.5 s for 100,000 messages on this machine, and analyzing every few seconds instead made the
 * benchmark slower. Where autovacuum runs it analyzes a table after a tenth of its rows changed, so a table it
 * keeps never reaches ten times its statistics and this finds nothing to do; several processes sharing the
 * database find the table done once one of them has analyzed it. Failures are logged and tried again at the next
 * check.
 */
final class Analyzer {
    private static final Logger LOG = LoggerFactory.getLogger(Analyzer.class);
    static final int GROWTH = 10;
    /** Tables of the schema with at least {@code ?} live rows and {@code ?} times what their statistics counted. */
    private static final String GROWN = """
            SELECT format('%I', c.relname) FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
             WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
               AND s.n_live_tup >= ? AND s.n_live_tup >= ? * GREATEST(c.reltuples, 0)
             ORDER BY c.relname""";

    private final Database db;
    private final long minRows;

    Analyzer(Database db, long minRows) {
        this.db = db;
        this.minRows = minRows;
    }

    /** Analyzes every table grown enough since its statistics; returns their names, in name order. */
    List<String> runOnce() {
        List<String> grown = db.read(h -> Sql.list(h, GROWN, row -> row.string("format"), minRows, (long) GROWTH));
        for (String table : grown) {
            long started = System.nanoTime();
            // SKIP_LOCKED: never waits for another process's analyze or a vacuum of the table (the queue's, every few
            // seconds); a table skipped is still grown at the next check
            db.outsideTransaction("ANALYZE (SKIP_LOCKED) " + table);
            LOG.info("analyzed {} ({} ms): it had grown {} times past its statistics", table,
                    (System.nanoTime() - started) / 1_000_000, GROWTH);
        }
        return grown;
    }

    /** Checks every {@code every} (see {@link Periodic}) until the result is closed. */
    Database.Background start(Duration every) {
        return Periodic.every("analyzer", every, this::runOnce);
    }
}
