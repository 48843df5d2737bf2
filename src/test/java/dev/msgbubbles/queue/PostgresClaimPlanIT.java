package dev.msgbubbles.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.TestStore;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Claims on PostgreSQL update in place, and the plan PostgreSQL caches for a claim once the statement is prepared (a
 * generic plan) must reach the claimed rows by their address (a TID scan), however large the backlog: with
 * {@code seq IN (subquery)} it hashed the picked keys and read the whole table, every claim, and with
 * {@code seq = ANY(ARRAY(subquery))} it could read the whole due index for them.
 */
class PostgresClaimPlanIT {
    private TestStore store;
    private Database db;

    @BeforeEach
    void open() {
        store = TestStore.postgres("claimplan");
        db = store.open();
    }

    @AfterEach
    void close() {
        db.close();
        store.close();
    }

    @Test
    void a_claim_on_a_long_backlog_takes_its_rows_by_their_address() {
        for (String table : List.of("jobs", "delivery_jobs")) {
            db.writeVoid(tx -> tx.execute("INSERT INTO " + table + " (kind, subject, lane, run_at, created_at) "
                    + "SELECT 'k', 's' || g, 'lane-' || (g % 500), g, 0 FROM generate_series(1, 20000) g"));
            db.outsideTransaction("VACUUM ANALYZE " + table);
            String claim = new JobQueue(db, table).claimStatement();
            StringBuilder numbered = new StringBuilder();
            int n = 0;
            for (char c : claim.toCharArray()) {
                numbered.append(c == '?' ? "$" + ++n : String.valueOf(c));
            }
            assertThat(n).isEqualTo(5);
            String plan = db.read(h -> {
                h.execute("SET plan_cache_mode = force_generic_plan");
                h.execute("PREPARE claim(text, bigint, bigint, bigint, int) AS " + numbered);
                try {
                    return String.join("\n", h.createQuery("EXPLAIN EXECUTE claim('w', 99999, 30000, 30000, 16)")
                            .mapTo(String.class).list());
                } finally {
                    h.execute("DEALLOCATE claim");
                    h.execute("RESET plan_cache_mode");
                }
            });
            assertThat(plan).as(plan).contains("Tid Scan on " + table).contains("Index Scan using " + table + "_due_idx")
                    .doesNotContain("Seq Scan").doesNotContain("Bitmap");
        }
    }

    @Test
    void a_claim_only_sets_the_lease_so_each_claimed_row_is_updated_in_place_without_new_index_entries() {
        java.time.Instant now = java.time.Instant.parse("2026-11-23T10:00:00Z");
        for (String table : List.of("jobs", "delivery_jobs")) {
            JobQueue queue = new JobQueue(db, table);
            db.writeVoid(tx -> {
                for (int i = 0; i < 12; i++) {
                    queue.enqueue(tx, new JobQueue.NewJob("k", "s" + i, i % 2 == 0 ? "lane-" + i : null, null, now), now);
                }
            });
            long[] counts = db.write(tx -> {
                int claimed = queue.claim(tx, "w", 100, now, java.time.Duration.ofSeconds(30)).size();
                long hot = tx.createQuery("SELECT pg_stat_get_xact_tuples_hot_updated('" + table + "'::regclass)")
                        .mapTo(Long.class).one();
                return new long[] {claimed, hot};
            });
            assertThat(counts[0]).isEqualTo(12);
            assertThat(counts[1]).as("heap-only updates among the claims of " + table).isEqualTo(12);
            // leased, they are due again when the lease ends, not before
            assertThat(db.read(queue::nextDue)).contains(now.plusSeconds(30));
            List<Job> early = db.write(tx -> queue.claim(tx, "w2", 100, now.plusSeconds(29), java.time.Duration.ofSeconds(30)));
            assertThat(early).isEmpty();
            List<Job> expired = db.write(tx -> queue.claim(tx, "w2", 100, now.plusSeconds(30), java.time.Duration.ofSeconds(30)));
            assertThat(expired).hasSize(12);
        }
    }

    @Test
    void when_the_next_job_is_due_is_read_from_the_front_of_the_due_index_not_the_whole_backlog() {
        java.time.Instant now = java.time.Instant.parse("2026-11-23T10:00:00Z");
        for (String table : List.of("jobs", "delivery_jobs")) {
            // a long backlog of future jobs (scheduled sends, retries for an endpoint that is down)
            db.writeVoid(tx -> tx.execute("INSERT INTO " + table + " (kind, subject, run_at, created_at) "
                    + "SELECT 'k', 's' || g, " + now.toEpochMilli() + " + 60000 + g, 0 FROM generate_series(1, 20000) g"));
            db.outsideTransaction("VACUUM ANALYZE " + table);
            JobQueue queue = new JobQueue(db, table);
            assertThat(db.read(queue::nextDue)).contains(now.plusMillis(60_001));
            String plan = db.read(h -> String.join("\n", h.createQuery("EXPLAIN " + queue.nextDueStatement())
                    .mapTo(String.class).list()));
            assertThat(plan).as(plan).contains("Index Scan using " + table + "_due_idx").doesNotContain("Seq Scan");
            // a leased job at the front counts from the end of its lease
            db.writeVoid(tx -> tx.execute("INSERT INTO " + table + " (kind, subject, run_at, created_at) VALUES "
                    + "('k', 'leased', " + now.toEpochMilli() + ", 0)"));
            List<Job> leased = db.write(tx -> queue.claim(tx, "w", 1, now, java.time.Duration.ofSeconds(30)));
            assertThat(leased).hasSize(1);
            assertThat(db.read(queue::nextDue)).contains(now.plusSeconds(30));
        }
    }

    /**
     * The backlog gauge's read, as PostgreSQL plans it once prepared (a generic plan, as for the claim): through the due
     * index from its front, stopping at the first job not yet due, so a long backlog of future jobs (scheduled sends
     * up to 30 days ahead) is never read; never the whole table, never a sort of it.
     */
    @Test
    void the_backlog_read_takes_the_front_of_the_due_index_in_its_generic_plan_too() {
        java.time.Instant now = java.time.Instant.parse("2026-11-23T10:00:00Z");
        db.writeVoid(tx -> tx.execute("INSERT INTO jobs (kind, subject, lane, run_at, created_at) "
                + "SELECT 'k', 's' || g, CASE WHEN g % 2 = 0 THEN NULL ELSE 'lane-' || (g % 500) END, "
                + now.toEpochMilli() + " + 60000 + g, 0 FROM generate_series(1, 200000) g"));
        db.outsideTransaction("VACUUM ANALYZE jobs");
        JobQueue queue = new JobQueue(db);
        java.util.Optional<java.time.Instant> oldest = db.read(h -> queue.oldestClaimable(h, now));
        assertThat(oldest).isEmpty();
        String statement = queue.oldestClaimableStatement();
        StringBuilder numbered = new StringBuilder();
        int n = 0;
        for (char c : statement.toCharArray()) {
            numbered.append(c == '?' ? "$" + ++n : String.valueOf(c));
        }
        assertThat(n).isEqualTo(2);
        String plan = db.read(h -> {
            h.execute("SET plan_cache_mode = force_generic_plan");
            h.execute("PREPARE backlog(bigint, bigint) AS " + numbered);
            try {
                return String.join("\n", h.createQuery("EXPLAIN (ANALYZE, BUFFERS) EXECUTE backlog("
                        + now.toEpochMilli() + ", " + now.toEpochMilli() + ")").mapTo(String.class).list());
            } finally {
                h.execute("DEALLOCATE backlog");
                h.execute("RESET plan_cache_mode");
            }
        });
        assertThat(plan).as(plan).contains("Index Scan using jobs_due_idx").doesNotContain("Seq Scan")
                .doesNotContain("Bitmap").doesNotContain("Sort");
        // nothing is due: the scan reads the first index page and stops
        java.util.regex.Matcher hits = java.util.regex.Pattern.compile("Buffers: shared hit=(\\d+)").matcher(plan);
        assertThat(hits.find()).as(plan).isTrue();
        assertThat(Integer.parseInt(hits.group(1))).as(plan).isLessThan(10);
    }

    /**
     * Every index entry a job writes is written and removed again within moments (the job tables lost their key for
     * that, V19): the lanes' jobs, every accepted send and first delivery attempt among them, enter the due and lane
     * indexes only. Jobs outside a lane (scheduled sends, follow-ups, housekeeping) also enter the partial indexes of
     * V21, which cancels and scheduled messages' turns read.
     */
    @Test
    void the_job_tables_keep_only_their_due_and_lane_indexes_and_partial_ones_for_jobs_outside_a_lane() {
        for (String table : List.of("jobs", "delivery_jobs")) {
            List<String> indexes = db.read(h -> h.createQuery("SELECT indexname FROM pg_indexes WHERE tablename = :t "
                    + "AND schemaname = current_schema() ORDER BY indexname").bind("t", table).mapTo(String.class).list());
            if (table.equals("jobs")) {
                assertThat(indexes).containsExactly("jobs_due_idx", "jobs_lane_idx", "jobs_scheduled_by_thread_idx",
                        "jobs_unlaned_subject_idx");
                for (String partial : List.of("jobs_scheduled_by_thread_idx", "jobs_unlaned_subject_idx")) {
                    String definition = db.read(h -> h.createQuery("SELECT indexdef FROM pg_indexes WHERE indexname = :i "
                            + "AND schemaname = current_schema()").bind("i", partial).mapTo(String.class).one());
                    assertThat(definition).as(definition).containsPattern("WHERE \\(+lane IS NULL");
                }
            } else {
                assertThat(indexes).containsExactly(table + "_due_idx", table + "_lane_idx");
            }
        }
    }

    @Test
    void a_completion_deletes_its_rows_by_address_and_only_rows_that_are_still_its_jobs() {
        java.time.Instant now = java.time.Instant.parse("2026-11-23T10:00:00Z");
        for (String table : List.of("jobs", "delivery_jobs")) {
            JobQueue queue = new JobQueue(db, table);
            db.writeVoid(tx -> {
                for (int i = 0; i < 4; i++) {
                    queue.enqueue(tx, new JobQueue.NewJob("k", "s" + i, null, null, now), now);
                }
            });
            List<Job> claimed = db.write(tx -> queue.claim(tx, "w", 10, now, java.time.Duration.ofSeconds(30)));
            assertThat(claimed).hasSize(4).allSatisfy(job -> assertThat(job.at()).matches("\\(\\d+,\\d+\\)"));
            Job first = claimed.get(0);
            Job second = claimed.get(1);
            Job third = claimed.get(2);
            // the address of one job with the seq of another, and the other way round: neither row is that job
            db.writeVoid(tx -> {
                queue.complete(tx, new Job(third.seq(), "k", "s", null, null, 1, second.at()));
                queue.complete(tx, new Job(first.seq() + 1000, "k", "s", null, null, 1, first.at()));
            });
            assertThat(db.read(queue::pending)).isEqualTo(4);
            db.writeVoid(tx -> {
                queue.complete(tx, first);
                queue.complete(tx, second);
                queue.complete(tx, first); // twice in one transaction counts once
            });
            assertThat(db.read(queue::pending)).isEqualTo(2);
            String plan = db.read(h -> String.join("\n", h.createQuery("EXPLAIN DELETE FROM " + table
                    + " WHERE ctid = ANY('{\"(0,1)\"}'::tid[]) AND seq = ANY('{1}'::bigint[])").mapTo(String.class).list()));
            assertThat(plan).as(plan).contains("Tid Scan on " + table).doesNotContain("Seq Scan");
            db.writeVoid(tx -> tx.execute("DELETE FROM " + table));
        }
    }

    @Test
    void a_job_claimed_again_after_its_lease_ran_out_is_its_new_holder_s_to_complete_or_reschedule() {
        java.time.Instant now = java.time.Instant.parse("2026-11-23T10:00:00Z");
        java.time.Duration lease = java.time.Duration.ofSeconds(30);
        for (String table : List.of("jobs", "delivery_jobs")) {
            JobQueue queue = new JobQueue(db, table);
            db.writeVoid(tx -> queue.enqueue(tx, new JobQueue.NewJob("k", "late", null, null, now), now));
            Job stale = db.write(tx -> queue.claim(tx, "w1", 10, now, lease)).getFirst();
            Job current = db.write(tx -> queue.claim(tx, "w2", 10, now.plusSeconds(31), lease)).getFirst();
            assertThat(current.seq()).isEqualTo(stale.seq());
            assertThat(current.at()).isNotEqualTo(stale.at());

            db.writeVoid(tx -> queue.reschedule(tx, stale, now.plusSeconds(3600), "late"));
            assertThat(db.read(queue::nextDue)).as("w2's lease stands").contains(now.plusSeconds(61));
            db.writeVoid(tx -> queue.complete(tx, stale));
            assertThat(db.read(queue::pending)).isEqualTo(1);

            db.writeVoid(tx -> queue.reschedule(tx, current, now.plusSeconds(40), "busy"));
            assertThat(db.read(queue::nextDue)).contains(now.plusSeconds(40));
            Job again = db.write(tx -> queue.claim(tx, "w3", 10, now.plusSeconds(40), lease)).getFirst();
            db.writeVoid(tx -> queue.complete(tx, again));
            assertThat(db.read(queue::pending)).isZero();
        }
    }
}
