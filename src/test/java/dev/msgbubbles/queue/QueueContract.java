package dev.msgbubbles.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The durable queue on a real store: leases, due times, lanes, crash takeover, and no double runs. */
abstract class QueueContract {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private TestStore store;
    private Database db;
    private JobQueue queue;

    abstract TestStore newStore();

    @BeforeEach
    void open() {
        store = newStore();
        db = store.open();
        queue = new JobQueue(db);
    }

    @AfterEach
    void close() {
        db.close();
        store.close();
    }

    private void enqueue(String kind, String subject, String lane, Instant runAt) {
        db.writeVoid(tx -> queue.enqueue(tx, new JobQueue.NewJob(kind, subject, lane, null, runAt), clock.instant()));
    }

    private List<Job> claim(String owner, int limit) {
        return db.write(tx -> queue.claim(tx, owner, limit, clock.instant(), LEASE));
    }

    private long pending() {
        return db.read(queue::pending);
    }

    @Test
    void a_claimed_job_is_leased_and_comes_back_only_when_its_lease_ends() {
        enqueue("k", "a", null, clock.instant());
        List<Job> first = claim("w1", 10);
        assertThat(first).singleElement().satisfies(j -> {
            assertThat(j.subject()).isEqualTo("a");
            assertThat(j.attempts()).isEqualTo(1);
        });
        assertThat(claim("w2", 10)).isEmpty();
        clock.advance(LEASE.plusSeconds(1)); // w1 "crashed": its lease runs out
        assertThat(claim("w2", 10)).singleElement().satisfies(j -> assertThat(j.attempts()).isEqualTo(2));
    }

    @Test
    void a_leased_job_is_next_due_when_its_lease_ends_and_a_claim_passes_over_jobs_being_worked_on() {
        enqueue("k", "old", null, clock.instant());
        claim("w1", 10);
        clock.advance(Duration.ofSeconds(1));
        enqueue("k", "new", null, clock.instant());

        assertThat(db.read(queue::nextDue)).contains(clock.instant()); // "new" is due; "old" only when its lease ends
        assertThat(claim("w2", 10)).extracting(Job::subject).containsExactly("new");
        assertThat(db.read(queue::nextDue)).contains(Instant.parse("2026-11-23T10:00:30Z"));
        clock.advance(Duration.ofSeconds(29));
        assertThat(claim("w3", 10)).extracting(Job::subject).containsExactly("old");
    }

    @Test
    void a_job_is_not_claimed_before_it_is_due() {
        enqueue("k", "later", null, clock.instant().plusSeconds(60));
        assertThat(claim("w", 10)).isEmpty();
        clock.advance(Duration.ofSeconds(60));
        assertThat(claim("w", 10)).extracting(Job::subject).containsExactly("later");
    }

    @Test
    void complete_removes_the_job_and_reschedule_releases_it_for_later() {
        enqueue("k", "done", null, clock.instant());
        enqueue("k", "again", null, clock.instant());
        List<Job> jobs = claim("w", 10);
        db.writeVoid(tx -> {
            queue.complete(tx, jobs.get(0));
            queue.reschedule(tx, jobs.get(1), clock.instant().plusSeconds(5), "backend busy");
        });
        assertThat(pending()).isEqualTo(1);
        assertThat(claim("w", 10)).isEmpty();
        clock.advance(Duration.ofSeconds(5));
        assertThat(claim("w", 10)).extracting(Job::subject).containsExactly("again");
    }

    /**
     * A job put back without its work tried (a send waiting for its number's slot, held for its offline number) gives
     * its claim back, in the same statement, with or without a new payload: its next claim's attempts count only the
     * runs that tried, which a reschedule still counts. Its lane's followers move with it, as for a reschedule.
     */
    @Test
    void a_job_put_back_gives_its_claim_back_and_takes_its_followers_along() {
        enqueue("send", "head", "thread", clock.instant());
        enqueue("send", "follower", "thread", clock.instant());
        Job first = claim("w", 10).getFirst();
        assertThat(first.attempts()).isEqualTo(1);
        db.writeVoid(tx -> queue.putBack(tx, first, clock.instant().plusSeconds(30), "paced"));
        assertThat(claim("w", 10)).as("the follower waits with its head").isEmpty();
        clock.advance(Duration.ofSeconds(30));
        Job second = claim("w", 10).getFirst();
        assertThat(second.attempts()).as("the put-back was no attempt").isEqualTo(1);
        db.writeVoid(tx -> queue.putBack(tx, second, clock.instant().plusSeconds(30), "paced", "slot:1"));
        clock.advance(Duration.ofSeconds(30));
        Job third = claim("w", 10).getFirst();
        assertThat(third.attempts()).isEqualTo(1);
        assertThat(third.payload()).isEqualTo("slot:1");
        db.writeVoid(tx -> queue.reschedule(tx, third, clock.instant().plusSeconds(1), "unavailable"));
        clock.advance(Duration.ofSeconds(1));
        Job fourth = claim("w", 10).getFirst();
        assertThat(fourth.attempts()).as("the reschedule counted its run").isEqualTo(2);
        db.writeVoid(tx -> queue.putBack(tx, fourth, clock.instant().plusSeconds(1), "paced", null));
        clock.advance(Duration.ofSeconds(1));
        Job fifth = claim("w", 10).getFirst();
        assertThat(fifth.attempts()).isEqualTo(2);
        assertThat(fifth.payload()).isNull();
        db.writeVoid(tx -> queue.complete(tx, fifth));
        assertThat(claim("w", 10)).extracting(Job::subject).containsExactly("follower");
    }

    @Test
    void wake_makes_due_only_the_released_jobs_noted_so_that_are_due_later() {
        for (String subject : List.of("held", "held-claimed", "other-note", "other-kind", "due-sooner")) {
            enqueue(subject.equals("other-kind") ? "j" : "k", subject, null, clock.instant());
        }
        List<Job> jobs = claim("w1", 10);
        Instant later = clock.instant().plusSeconds(30);
        db.writeVoid(tx -> {
            for (Job job : jobs) {
                switch (job.subject()) {
                    case "held", "other-kind" -> queue.reschedule(tx, job, later, "number +1 offline");
                    case "other-note" -> queue.reschedule(tx, job, later, "number +2 offline");
                    case "due-sooner" -> queue.reschedule(tx, job, clock.instant().plusSeconds(1), "number +1 offline");
                    default -> { } // held-claimed stays with its worker
                }
            }
        });

        Instant at = clock.instant().plusSeconds(2);
        int woken = db.write(tx -> queue.wake(tx, "k", "number +1 offline", at));
        assertThat(woken).isEqualTo(1);

        clock.advance(Duration.ofSeconds(2));
        assertThat(claim("w2", 10)).extracting(Job::subject).containsExactlyInAnyOrder("held", "due-sooner");
    }

    @Test
    void jobs_in_one_lane_run_one_at_a_time_in_order() {
        enqueue("k", "a1", "lane-a", clock.instant());
        enqueue("k", "a2", "lane-a", clock.instant());
        enqueue("k", "b1", "lane-b", clock.instant());
        enqueue("k", "free", null, clock.instant());
        List<Job> first = claim("w", 10);
        assertThat(first).extracting(Job::subject).containsExactlyInAnyOrder("a1", "b1", "free");
        Job a1 = first.stream().filter(j -> j.subject().equals("a1")).findFirst().orElseThrow();
        // a1 failing transiently keeps a2 waiting behind it
        db.writeVoid(tx -> queue.reschedule(tx, a1, clock.instant(), "retry"));
        List<Job> again = claim("w", 10);
        assertThat(again).extracting(Job::subject).containsExactly("a1");
        db.writeVoid(tx -> queue.complete(tx, again.getFirst())); // as this claim holds it (its row moved on PostgreSQL)
        assertThat(claim("w", 10)).extracting(Job::subject).containsExactly("a2");
    }

    @Test
    void concurrent_workers_never_run_one_job_twice() throws Exception {
        int jobs = 400;
        db.writeVoid(tx -> {
            for (int i = 0; i < jobs; i++) {
                queue.enqueue(tx, new JobQueue.NewJob("count", "job-" + i, i % 3 == 0 ? "lane-" + (i % 7) : null, null,
                        clock.instant()), clock.instant());
            }
        });
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        List<String> laneOrder = new CopyOnWriteArrayList<>();
        JobHandler handler = (job, now) -> {
            runs.computeIfAbsent(job.subject(), s -> new AtomicInteger()).incrementAndGet();
            if (job.lane() != null) {
                laneOrder.add(job.lane() + ":" + job.subject());
            }
            db.writeVoid(tx -> queue.complete(tx, job));
        };
        int workers = 4;
        CyclicBarrier start = new CyclicBarrier(workers);
        List<Future<Integer>> results = new ArrayList<>();
        List<Worker> all = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(workers)) {
            for (int w = 0; w < workers; w++) {
                Worker worker = new Worker(db, queue, Map.of("count", handler), clock,
                        new Worker.Settings(16, LEASE, Duration.ofMillis(50)));
                all.add(worker);
                results.add(pool.submit(() -> {
                    start.await();
                    int total = 0;
                    for (int round = 0; round < 200 && pending() > 0; round++) {
                        total += worker.drain();
                    }
                    return total;
                }));
            }
            int total = 0;
            for (Future<Integer> result : results) {
                total += result.get();
            }
            assertThat(total).isEqualTo(jobs);
        } finally {
            all.forEach(Worker::close);
        }
        assertThat(runs).hasSize(jobs);
        assertThat(runs.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
        assertThat(pending()).isZero();
        // within each lane, subjects ran in enqueue order
        for (int lane = 0; lane < 7; lane++) {
            String prefix = "lane-" + lane + ":job-";
            List<Integer> order = laneOrder.stream().filter(s -> s.startsWith(prefix))
                    .map(s -> Integer.parseInt(s.substring(prefix.length()))).toList();
            assertThat(order).isSorted();
        }
    }

    @Test
    void a_claim_that_waited_for_the_store_leases_from_when_it_ran_and_its_job_runs_once() {
        enqueue("slow", "x", null, clock.instant());
        Instant asked = clock.instant();
        // a claim that waits for the store longer than a lease (e.g. SQLite's write lock, held by another process)
        dev.msgbubbles.db.Writes waiting = new dev.msgbubbles.db.Writes() {
            @Override
            public <R> R write(org.jdbi.v3.core.HandleCallback<R, RuntimeException> work) {
                clock.advance(LEASE.plusSeconds(1));
                return db.write(work);
            }
        };
        List<Instant> ranAt = new CopyOnWriteArrayList<>();
        AtomicInteger runs = new AtomicInteger();
        try (Worker other = new Worker(db, queue, Map.of("slow", (job, now) -> runs.incrementAndGet()), clock,
                new Worker.Settings(8, LEASE, Duration.ofMillis(50)))) {
            JobHandler handler = (job, now) -> {
                ranAt.add(now);
                runs.incrementAndGet();
                assertThat(other.runOnce()).as("the job is leased while it runs").isZero();
                db.writeVoid(tx -> queue.complete(tx, job));
            };
            try (Worker worker = new Worker(db, waiting, queue, Map.of("slow", handler), clock,
                    new Worker.Settings(8, LEASE, Duration.ofMillis(50)))) {
                assertThat(worker.runOnce()).isEqualTo(1);
            }
        }
        assertThat(runs.get()).isEqualTo(1);
        assertThat(ranAt).containsExactly(asked.plus(LEASE).plusSeconds(1)); // the claim's time, not the asking's
        assertThat(pending()).isZero();
    }

    @Test
    void a_handler_that_throws_is_retried_later_with_backoff() {
        enqueue("boom", "x", null, clock.instant());
        AtomicInteger calls = new AtomicInteger();
        Worker worker = new Worker(db, queue, Map.of("boom", (job, now) -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("broken backend");
            }
            db.writeVoid(tx -> queue.complete(tx, job));
        }), clock, new Worker.Settings(8, LEASE, Duration.ofMillis(50)));
        try (worker) {
            assertThat(worker.runOnce()).isEqualTo(1);
            assertThat(worker.runOnce()).isZero(); // backing off
            clock.advance(Worker.backoff(1));
            assertThat(worker.runOnce()).isEqualTo(1);
            assertThat(pending()).isZero();
            assertThat(calls.get()).isEqualTo(2);
        }
    }

    @Test
    void a_run_that_met_an_outage_is_released_once_the_store_is_back_not_when_its_lease_ends() throws Exception {
        if (db.dialect() != dev.msgbubbles.db.Dialect.POSTGRESQL) {
            return; // a SQLite store cannot be made to refuse connections (SqliteDiskFullIT fills its disk instead)
        }
        AtomicInteger calls = new AtomicInteger();
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Worker.class);
        var events = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        events.start();
        logger.addAppender(events);
        try (Database narrow = Database.open(store.config(Map.of("MSGBUBBLES_DATABASE_WAIT_MS", "250")).storage(), null)) {
            JobQueue jobs = new JobQueue(narrow);
            narrow.writeVoid(tx -> jobs.enqueue(tx, new JobQueue.NewJob("outage", "x", null, null, clock.instant()),
                    clock.instant()));
            Worker worker = new Worker(narrow, jobs, Map.of("outage", (job, now) -> {
                if (calls.incrementAndGet() == 1) {
                    store.refuseConnections(); // the store goes away under the run, which then cannot write
                    throw new dev.msgbubbles.db.StoreUnavailable("the store went away", null);
                }
                narrow.writeVoid(tx -> jobs.complete(tx, job));
            }), clock, new Worker.Settings(8, LEASE, Duration.ofMillis(50)));
            try (worker) {
                worker.start();
                try {
                    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
                    while (events.list.stream().noneMatch(e -> e.getFormattedMessage().startsWith("could not reschedule"))) {
                        assertThat(System.nanoTime()).as("the release met the outage").isLessThan(deadline);
                        Thread.sleep(10); // polling the log of a running worker, not waiting for a retry
                    }
                } finally {
                    store.allowConnections();
                }
                // no time passes on the worker's clock: the lease (30 s from the claim) still holds the job when the
                // release goes through, once the pool connects again, and from then on only its 1 s backoff does
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
                while (count(narrow, "SELECT COUNT(*) FROM jobs WHERE lease_owner IS NULL") < 1) {
                    assertThat(System.nanoTime()).as("released once the store is back").isLessThan(deadline);
                    Thread.sleep(10);
                }
                clock.advance(Worker.backoff(1));
                worker.wake();
                while (calls.get() < 2) {
                    assertThat(System.nanoTime()).as("run again after its backoff, its lease still running")
                            .isLessThan(deadline);
                    Thread.sleep(10);
                }
                while (count(narrow, "SELECT COUNT(*) FROM jobs") != 0) {
                    assertThat(System.nanoTime()).as("completed").isLessThan(deadline);
                    Thread.sleep(10);
                }
            }
        } finally {
            logger.detachAppender(events);
        }
        assertThat(events.list).allSatisfy(e -> assertThat(e.getThrowableProxy()).as("a stack trace for an outage").isNull());
    }

    /**
     * The count {@code sql} reads through {@code store}; -1 while its pool still meets connections the outage ended
     * (each is dropped as it is met: polled again, the next read gets a new one).
     */
    private static long count(Database store, String sql) {
        try {
            return store.read(h -> h.createQuery(sql).mapTo(Long.class).one());
        } catch (dev.msgbubbles.db.StoreUnavailable e) {
            return -1;
        }
    }

    @Test
    void a_job_of_an_unknown_kind_is_kept_and_retried_not_lost() {
        enqueue("mystery", "x", null, clock.instant());
        try (Worker worker = new Worker(db, queue, Map.of(), clock, new Worker.Settings(8, LEASE, Duration.ofMillis(50)))) {
            assertThat(worker.runOnce()).isEqualTo(1);
            assertThat(pending()).isEqualTo(1);
        }
    }

    @Test
    void a_busy_job_table_is_vacuumed_on_postgresql_once_it_changed_enough_and_not_before() {
        JobQueue deliveries = new JobQueue(db, "delivery_jobs");
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        QueueVacuum vacuum = new QueueVacuum(db, List.of(queue, deliveries), 20, registry);
        boolean postgres = db.dialect() == dev.msgbubbles.db.Dialect.POSTGRESQL;
        long before = vacuumCount("jobs");

        for (int i = 0; i < 10; i++) {
            enqueue("k", "s" + i, "lane-" + (i % 3), clock.instant());
        }
        assertThat(vacuum.runOnce()).isZero(); // nothing claimed or completed yet: no dead rows to speak of
        drainAll(); // 10 claims and 10 completions: 20 changes to jobs, none to delivery_jobs
        long pages = pages("jobs");
        assertThat(vacuum.runOnce()).isEqualTo(postgres ? 1 : 0);
        assertThat(vacuumCount("jobs")).isEqualTo(postgres ? before + 1 : 0);
        // every row is gone, yet the vacuum leaves the empty pages at the end of the table alone: cutting them off
        // needs a lock that would hold up every insert and claim while it is taken
        assertThat(pages("jobs")).isEqualTo(pages);
        if (postgres) {
            assertThat(pages).isPositive();
        }
        assertThat(registry.counter("msgbubbles_queue_vacuums").count()).isEqualTo(postgres ? 1 : 0);
        assertThat(vacuum.runOnce()).isZero(); // counted from the last vacuum, not from the start
        assertThat(pending()).isZero();
        vacuum.close(); // never started: closing is harmless
    }

    @Test
    void a_cancel_removes_only_unclaimed_jobs_of_its_subject_outside_a_lane_or_in_the_one_named() {
        enqueue("send", "m1", null, clock.instant().plusSeconds(60)); // scheduled: outside any lane
        enqueue("send", "m2", "thread-a", clock.instant()); // joined its thread's lane
        enqueue("send", "m3", "thread-b", clock.instant());
        enqueue("other", "m1", null, clock.instant().plusSeconds(60));
        assertThat(cancel("send", "m2", "thread-b")).as("not in that lane").isZero();
        assertThat(cancel("send", "m2", null)).as("not outside a lane").isZero();
        assertThat(cancel("send", "m1", "thread-a")).isEqualTo(1);
        assertThat(cancel("send", "m2", "thread-a")).isEqualTo(1);
        assertThat(pending()).isEqualTo(2);
        List<Job> claimed = claim("w", 10);
        assertThat(claimed).extracting(Job::subject).containsExactly("m3");
        assertThat(cancel("send", "m3", "thread-b")).as("claimed: left alone").isZero();
        assertThat(pending()).isEqualTo(2);
    }

    @Test
    void a_cancel_finds_its_job_through_an_index_however_many_jobs_wait() {
        boolean postgres = db.dialect() == dev.msgbubbles.db.Dialect.POSTGRESQL;
        // a long table of scheduled sends (outside any lane) and of sends in lanes
        db.writeVoid(tx -> tx.execute("INSERT INTO jobs (kind, subject, lane, run_at, created_at) "
                + (postgres ? "SELECT 'send', 's' || g, CASE WHEN g % 2 = 0 THEN NULL ELSE 'lane-' || (g % 500) END, g, 0 "
                        + "FROM generate_series(1, 20000) g"
                        : "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000) "
                        + "SELECT 'send', 's' || n, CASE WHEN n % 2 = 0 THEN NULL ELSE 'lane-' || (n % 500) END, n, 0 FROM g")));
        if (postgres) {
            db.outsideTransaction("VACUUM ANALYZE jobs");
        }
        List<String> statements = queue.cancelStatements();
        String unlaned = plan(statements.getFirst(), Map.of("kind", "send", "subject", "s10"));
        String inLane = plan(statements.getLast(), Map.of("lane", "lane-7", "kind", "send", "subject", "s7"));
        assertThat(unlaned).as(unlaned).contains("jobs_unlaned_subject_idx");
        assertThat(inLane).as(inLane).contains("jobs_lane_idx");
        for (String plan : List.of(unlaned, inLane)) {
            assertThat(plan).as(plan).doesNotContain("Seq Scan").doesNotContain("SCAN jobs");
        }
        assertThat(cancel("send", "s10", "lane-10")).isEqualTo(1);
        assertThat(cancel("send", "s7", "lane-7")).isEqualTo(1);
        assertThat(pending()).isEqualTo(19_998);
    }

    /**
     * The statement that moves a rescheduled or woken head's followers reads only that lane, through its index, never
     * a range of the due index or the table: it runs at every reschedule of a job in a lane (each paced slot).
     */
    @Test
    void a_heads_followers_are_found_through_the_lane_index_however_many_jobs_wait() {
        boolean postgres = db.dialect() == dev.msgbubbles.db.Dialect.POSTGRESQL;
        for (String table : List.of("jobs", "delivery_jobs")) {
            db.writeVoid(tx -> tx.execute("INSERT INTO " + table + " (kind, subject, lane, run_at, created_at) "
                    + (postgres ? "SELECT 'send', 's' || g, CASE WHEN g % 2 = 0 THEN NULL ELSE 'lane-' || (g % 500) END, "
                            + "g, 0 FROM generate_series(1, 20000) g"
                            : "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000) "
                            + "SELECT 'send', 's' || n, CASE WHEN n % 2 = 0 THEN NULL ELSE 'lane-' || (n % 500) END, "
                            + "n, 0 FROM g")));
            if (postgres) {
                db.outsideTransaction("VACUUM ANALYZE " + table);
            }
            String sql = new JobQueue(db, table).followersStatement();
            // the time past every job's, then before every job's: neither makes the due index the way
            for (long at : new long[] {clock.millis(), 0}) {
                Object[] values = {at, "lane-7", 7L, at};
                String plan = db.read(h -> {
                    var explain = h.createQuery((postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + sql);
                    for (int i = 0; i < values.length; i++) {
                        explain.bind(i, values[i]);
                    }
                    return String.join("\n", explain.map((rs, ctx) -> rs.getString(postgres ? 1 : 4)).list());
                });
                assertThat(plan).as(plan).contains(table + "_lane_idx").doesNotContain("Seq Scan")
                        .doesNotContain("SCAN " + table).doesNotContain("_due_idx");
            }
        }
    }

    /** The backlog age of the jobs queue as the gauge reads it (patience far above a read's time). */
    private double backlogAge() {
        return new BacklogAge(db, clock, Duration.ofSeconds(5), List.of(queue::oldestClaimable)).seconds(0);
    }

    private java.util.Optional<Instant> oldestClaimable() {
        return db.read(h -> queue.oldestClaimable(h, clock.instant()));
    }

    @Test
    void the_backlog_age_is_zero_with_nothing_due_and_how_long_the_oldest_due_job_has_waited_otherwise() {
        assertThat(oldestClaimable()).isEmpty();
        assertThat(backlogAge()).isEqualTo(0.0);
        Instant enqueued = clock.instant();
        enqueue("k", "due", null, enqueued);
        assertThat(backlogAge()).isEqualTo(0.0); // due this very moment: it has not waited yet
        clock.advance(Duration.ofSeconds(42));
        enqueue("k", "younger", null, clock.instant().minusSeconds(2));
        assertThat(oldestClaimable()).contains(enqueued);
        assertThat(backlogAge()).isEqualTo(42.0);
        clock.advance(Duration.ofMillis(1500));
        assertThat(backlogAge()).isEqualTo(43.5);
    }

    @Test
    void jobs_due_later_do_not_count_however_many_and_however_soon() {
        for (int i = 1; i <= 50; i++) {
            enqueue("k", "scheduled-" + i, i % 2 == 0 ? "lane-" + i : null, clock.instant().plusMillis(i));
        }
        assertThat(oldestClaimable()).isEmpty();
        assertThat(backlogAge()).isEqualTo(0.0);
        clock.advance(Duration.ofMillis(1));
        assertThat(oldestClaimable()).contains(clock.instant());
        assertThat(backlogAge()).isEqualTo(0.0);
        clock.advance(Duration.ofSeconds(10));
        assertThat(backlogAge()).isEqualTo(10.0);
    }

    /**
     * A lane's followers are due with their lane's oldest job while it waits for a later time (a send held for its
     * offline number, paced, or waiting out a RetryLater): no worker can take them, so they are no backlog, and the
     * earliest due time of the table ({@link JobQueue#nextDue}) is the head's, not the time they were enqueued at.
     */
    @Test
    void a_lane_follower_behind_a_head_rescheduled_for_later_is_no_backlog() {
        Instant enqueued = clock.instant();
        enqueue("send", "head", "thread-a", enqueued);
        enqueue("send", "follower-1", "thread-a", enqueued);
        enqueue("send", "follower-2", "thread-a", enqueued);
        Job head = claim("w", 10).getFirst();
        assertThat(head.subject()).isEqualTo("head");
        db.writeVoid(tx -> queue.reschedule(tx, head, enqueued.plus(Duration.ofHours(1)), "the number is offline"));
        clock.advance(Duration.ofMinutes(10));

        assertThat(db.read(queue::nextDue)).as("the head's due time, which its followers now have")
                .contains(enqueued.plus(Duration.ofHours(1)));
        assertThat(claim("w", 10)).as("nothing a worker can take").isEmpty();
        assertThat(oldestClaimable()).isEmpty();
        assertThat(backlogAge()).isEqualTo(0.0);

        // a job outside the lane that is due does count, and so does another lane's head
        enqueue("k", "unlaned", null, clock.instant().minusSeconds(30));
        enqueue("send", "other-head", "thread-b", clock.instant().minusSeconds(90));
        enqueue("send", "other-follower", "thread-b", enqueued);
        assertThat(backlogAge()).isEqualTo(90.0);

        // the head's time comes: the lane is due from then, its followers still only behind it
        clock.advance(Duration.ofMinutes(50).plusSeconds(7));
        assertThat(oldestClaimable()).contains(clock.instant().minus(Duration.ofMinutes(50).plusSeconds(97)));
        assertThat(claim("w", 10)).extracting(Job::subject).containsExactlyInAnyOrder("head", "unlaned", "other-head");
        assertThat(oldestClaimable()).isEmpty(); // each lane's oldest is being worked on; the followers wait for them
    }

    /**
     * A lane's head rescheduled an hour ahead (its number offline) with 5,000 messages queued behind it, in either
     * queue: the followers are made due with their head, so the claim's range of the due index (every job due now,
     * read in due order, each with one probe of its lane) holds only the jobs a worker can take. Before, the followers
     * kept the time they were enqueued at, the earliest of all, and every claim read all 5,000 before the first job it
     * could take (11-13 ms a claim on SQLite with 10,000). PostgreSQL: the same scan, as the backlog read runs it,
     * reads a few dozen buffers, not one or more per follower.
     */
    @Test
    void a_claim_reads_none_of_the_followers_of_a_head_rescheduled_for_later_however_many() {
        boolean postgres = db.dialect() == dev.msgbubbles.db.Dialect.POSTGRESQL;
        Instant enqueued = clock.instant();
        Instant held = enqueued.plus(Duration.ofHours(1));
        for (String table : List.of("jobs", "delivery_jobs")) {
            JobQueue q = new JobQueue(db, table);
            List<JobQueue.NewJob> thread = new ArrayList<>();
            for (int i = 0; i <= 5_000; i++) {
                thread.add(new JobQueue.NewJob("k", i == 0 ? "head" : "follower-" + i, "thread-a", null, enqueued));
            }
            db.writeVoid(tx -> q.enqueueAll(tx, thread, enqueued));
            Job head = db.write(tx -> q.claim(tx, "w", 1, enqueued, LEASE)).getFirst();
            assertThat(head.subject()).isEqualTo("head");
            db.writeVoid(tx -> q.reschedule(tx, head, held, "number +1 offline"));
            List<JobQueue.NewJob> others = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                others.add(new JobQueue.NewJob("k", "other-" + i, i % 2 == 0 ? "thread-" + i : null, null,
                        enqueued.plusMillis(1)));
            }
            db.writeVoid(tx -> q.enqueueAll(tx, others, enqueued));
            Instant now = enqueued.plus(Duration.ofMinutes(10));
            if (postgres) {
                db.outsideTransaction("VACUUM ANALYZE " + table);
            }

            assertThat(count(table, "lane = 'thread-a' AND run_at < " + held.toEpochMilli()))
                    .as("followers due before their head in " + table).isZero();
            assertThat(count(table, "run_at <= " + now.toEpochMilli())).as("jobs in the claim's range in " + table)
                    .isEqualTo(20);
            if (postgres) {
                String plan = db.read(h -> {
                    var explain = h.createQuery("EXPLAIN (ANALYZE, BUFFERS) " + q.oldestClaimableStatement());
                    explain.bind(0, now.toEpochMilli()).bind(1, now.toEpochMilli());
                    return String.join("\n", explain.mapTo(String.class).list());
                });
                java.util.regex.Matcher hits = java.util.regex.Pattern.compile("Buffers: shared hit=(\\d+)").matcher(plan);
                assertThat(hits.find()).as(plan).isTrue();
                assertThat(Integer.parseInt(hits.group(1))).as(plan).isLessThan(200);
            } else {
                String plan = planAtNow(q.claimStatement());
                assertThat(plan).as(plan).contains(table + "_due_idx").doesNotContain("TEMP B-TREE");
            }
            java.util.Optional<Instant> oldest = db.read(h -> q.oldestClaimable(h, now));
            assertThat(oldest).contains(enqueued.plusMillis(1));
            List<Job> claimed = db.write(tx -> q.claim(tx, "w", 100, now, LEASE));
            assertThat(claimed).extracting(Job::subject).hasSize(20).allMatch(subject -> subject.startsWith("other-"));
        }
    }

    private long count(String table, String where) {
        return db.read(h -> h.createQuery("SELECT COUNT(*) FROM " + table + " WHERE " + where).mapTo(Long.class).one());
    }

    /**
     * The lane's order is kept exactly: a head held twice (rechecked, still offline) takes its followers along each
     * time; none goes before it, none early, and once it has gone each of them goes at once, in order, none lost.
     */
    @Test
    void followers_of_a_head_held_and_held_again_go_after_it_at_once_in_order() {
        Instant enqueued = clock.instant();
        for (String subject : List.of("head", "f1", "f2", "f3", "f4")) {
            enqueue("send", subject, "thread-a", enqueued);
        }
        enqueue("send", "other", "thread-b", enqueued);
        List<Job> first = claim("w", 10);
        assertThat(first).extracting(Job::subject).containsExactlyInAnyOrder("head", "other");
        db.writeVoid(tx -> {
            for (Job job : first) {
                if (job.subject().equals("head")) {
                    queue.reschedule(tx, job, clock.instant().plusSeconds(30), "number +1 offline");
                } else {
                    queue.complete(tx, job);
                }
            }
        });
        clock.advance(Duration.ofSeconds(30)); // the recheck: still offline
        assertThat(db.read(queue::nextDue)).contains(clock.instant());
        List<Job> again = claim("w", 10);
        assertThat(again).extracting(Job::subject).containsExactly("head");
        Instant heldTo = clock.instant().plusSeconds(30);
        db.writeVoid(tx -> queue.reschedule(tx, again.getFirst(), heldTo, "number +1 offline"));
        assertThat(db.read(queue::nextDue)).as("the followers are due with their head").contains(heldTo);

        clock.advance(Duration.ofMillis(29_999));
        assertThat(claim("w", 10)).as("none early").isEmpty();
        clock.advance(Duration.ofMillis(1));
        List<String> order = new ArrayList<>();
        // each at once, at the same instant, one at a time
        for (List<Job> next = claim("w", 10); !next.isEmpty(); next = claim("w", 10)) {
            assertThat(next).hasSize(1);
            Job job = next.getFirst();
            order.add(job.subject());
            db.writeVoid(tx -> queue.complete(tx, job));
        }
        assertThat(order).containsExactly("head", "f1", "f2", "f3", "f4");
        assertThat(pending()).isZero();
    }

    /**
     * A head taken at its time whose worker dies: taken again once its lease has run out (PostgreSQL: in place, its
     * run_at unchanged; SQLite: its run_at the lease's end), and its followers, due with it, still go only after it.
     * A head cancelled while it waits (a scheduled send, before a worker takes it again) leaves its followers due at
     * the time it had, at worst: they are not held up past it.
     */
    @Test
    void followers_go_after_a_head_taken_again_after_its_lease_and_no_later_than_a_cancelled_heads_time() {
        Instant enqueued = clock.instant();
        for (String subject : List.of("head", "f1", "f2")) {
            enqueue("send", subject, "thread-a", enqueued);
        }
        for (String subject : List.of("cancelled", "g1")) {
            enqueue("send", subject, "thread-b", enqueued);
        }
        List<Job> heads = claim("w1", 10);
        assertThat(heads).extracting(Job::subject).containsExactlyInAnyOrder("head", "cancelled");
        Instant held = enqueued.plusSeconds(30);
        db.writeVoid(tx -> heads.forEach(job -> queue.reschedule(tx, job, held, "paced")));

        clock.advance(Duration.ofSeconds(10));
        assertThat(cancel("send", "cancelled", "thread-b")).isEqualTo(1);
        assertThat(claim("w1", 10)).as("g1 waits no later than the cancelled head's time, and not past it").isEmpty();
        clock.advance(Duration.ofSeconds(20));
        assertThat(claim("w1", 10)).extracting(Job::subject).containsExactlyInAnyOrder("head", "g1");

        clock.advance(LEASE); // w1 died holding them
        List<Job> again = claim("w2", 10);
        assertThat(again).extracting(Job::subject).containsExactlyInAnyOrder("head", "g1");
        assertThat(again).extracting(Job::attempts).containsExactlyInAnyOrder(3, 2);
        db.writeVoid(tx -> again.forEach(job -> queue.complete(tx, job)));
        assertThat(claim("w2", 10)).extracting(Job::subject).containsExactly("f1");
    }

    /**
     * A number back online wakes its held sends ({@link JobQueue#wake}): the followers, made due with their held head,
     * are woken with it and go right after it, not at the time the head was held to; a lane held for another number
     * keeps its time, followers included.
     */
    @Test
    void a_woken_head_takes_its_followers_along() {
        Instant enqueued = clock.instant();
        for (String subject : List.of("head", "f1", "f2")) {
            enqueue("send", subject, "thread-a", enqueued);
        }
        enqueue("send", "elsewhere", "thread-b", enqueued);
        enqueue("send", "elsewhere-f1", "thread-b", enqueued);
        List<Job> heads = claim("w", 10);
        assertThat(heads).extracting(Job::subject).containsExactlyInAnyOrder("head", "elsewhere");
        Instant held = enqueued.plus(Duration.ofHours(1));
        db.writeVoid(tx -> {
            for (Job job : heads) {
                queue.reschedule(tx, job, held, job.subject().equals("head") ? "number +1 offline" : "number +2 offline");
            }
        });
        clock.advance(Duration.ofMinutes(5));
        Instant at = clock.instant().plusSeconds(2);
        int woken = db.write(tx -> queue.wake(tx, "send", "number +1 offline", at));
        assertThat(woken).as("held jobs woken").isEqualTo(1);
        assertThat(db.read(queue::nextDue)).contains(at);
        assertThat(count("jobs", "lane = 'thread-a' AND run_at = " + at.toEpochMilli())).isEqualTo(3);
        assertThat(count("jobs", "lane = 'thread-b' AND run_at = " + held.toEpochMilli())).isEqualTo(2);

        clock.advance(Duration.ofSeconds(2));
        List<String> order = new ArrayList<>();
        for (List<Job> next = claim("w", 10); !next.isEmpty(); next = claim("w", 10)) {
            assertThat(next).hasSize(1);
            Job job = next.getFirst();
            order.add(job.subject());
            db.writeVoid(tx -> queue.complete(tx, job));
        }
        assertThat(order).containsExactly("head", "f1", "f2");
        assertThat(pending()).isEqualTo(2);
    }

    /** A leased job counts from the end of its lease, as {@link JobQueue#nextDue} says, and not before. */
    @Test
    void a_leased_job_counts_from_the_end_of_its_lease() {
        Instant claimed = clock.instant();
        enqueue("k", "leased", null, claimed.minusSeconds(100));
        assertThat(claim("w1", 10)).hasSize(1);
        clock.advance(Duration.ofSeconds(10));
        assertThat(backlogAge()).as("worked on").isEqualTo(0.0);
        clock.advance(LEASE); // its worker died: the lease ended 10 s ago
        assertThat(oldestClaimable()).contains(claimed.plus(LEASE));
        assertThat(backlogAge()).isEqualTo(10.0);
        // a job due after the job's run_at, but before its lease ended, has waited longer
        enqueue("k", "waiting", null, claimed.plusSeconds(5));
        assertThat(backlogAge()).isEqualTo(35.0);
        assertThat(claim("w2", 10)).extracting(Job::subject).containsExactlyInAnyOrder("leased", "waiting");
        assertThat(backlogAge()).isEqualTo(0.0);
    }

    /**
     * The backlog read goes through the due index and stops at the first job not yet due: a long table of scheduled
     * sends (up to 30 days ahead) is never read, on either store.
     */
    @Test
    void the_backlog_read_finds_the_oldest_claimable_job_through_the_due_index_however_many_jobs_wait() {
        boolean postgres = db.dialect() == dev.msgbubbles.db.Dialect.POSTGRESQL;
        long future = clock.instant().plusSeconds(60).toEpochMilli();
        db.writeVoid(tx -> tx.execute("INSERT INTO jobs (kind, subject, lane, run_at, created_at) "
                + (postgres ? "SELECT 'send', 's' || g, CASE WHEN g % 2 = 0 THEN NULL ELSE 'lane-' || (g % 500) END, "
                        + future + " + g, 0 FROM generate_series(1, 20000) g"
                        : "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000) "
                        + "SELECT 'send', 's' || n, CASE WHEN n % 2 = 0 THEN NULL ELSE 'lane-' || (n % 500) END, "
                        + future + " + n, 0 FROM g")));
        if (postgres) {
            db.outsideTransaction("VACUUM ANALYZE jobs");
        }
        enqueue("k", "due", null, clock.instant().minusSeconds(3));
        assertThat(backlogAge()).isEqualTo(3.0);
        String plan = planAtNow(queue.oldestClaimableStatement());
        assertThat(plan).as(plan).contains("jobs_due_idx").doesNotContain("Seq Scan").doesNotContain("SCAN j ")
                .doesNotContain("TEMP B-TREE").doesNotContain("Sort");
    }

    /** The store's plan for {@code sql}, each of its parameters the current time. */
    private String planAtNow(String sql) {
        boolean postgres = db.dialect() == dev.msgbubbles.db.Dialect.POSTGRESQL;
        return db.read(h -> {
            var explain = h.createQuery((postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + sql);
            for (int i = 0; i < sql.chars().filter(c -> c == '?').count(); i++) {
                explain.bind(i, clock.millis());
            }
            return String.join("\n", explain.map((rs, ctx) -> rs.getString(postgres ? 1 : 4)).list());
        });
    }

    private int cancel(String kind, String subject, String lane) {
        Integer removed = db.write(tx -> lane == null ? queue.cancel(tx, kind, subject) : queue.cancel(tx, kind, subject, lane));
        return removed;
    }

    /** The store's plan for {@code sql} with its parameters bound (PostgreSQL's EXPLAIN, SQLite's query plan). */
    private String plan(String sql, Map<String, String> binds) {
        boolean postgres = db.dialect() == dev.msgbubbles.db.Dialect.POSTGRESQL;
        return db.read(h -> {
            var explain = h.createQuery((postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + sql);
            binds.forEach(explain::bind);
            return String.join("\n", explain.map((rs, ctx) -> rs.getString(postgres ? 1 : 4)).list());
        });
    }

    @Test
    void a_vacuum_meeting_an_outage_logs_one_line_and_runs_once_the_database_is_back() throws Exception {
        if (db.dialect() != dev.msgbubbles.db.Dialect.POSTGRESQL) {
            return; // SQLite has no vacuum to make (and its store cannot be made to refuse connections)
        }
        QueueVacuum vacuum = new QueueVacuum(db, List.of(queue), 20, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        for (int i = 0; i < 10; i++) {
            enqueue("k", "s" + i, null, clock.instant());
        }
        drainAll(); // 20 changes: a vacuum is due
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(QueueVacuum.class);
        var events = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
        events.start();
        logger.addAppender(events);
        try {
            store.refuseConnections();
            try {
                assertThat(vacuum.runOnce()).isZero();
            } finally {
                store.allowConnections();
            }
        } finally {
            logger.detachAppender(events);
        }
        assertThat(events.list).hasSize(1).allSatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
            assertThat(e.getThrowableProxy()).as("a stack trace for an outage").isNull();
        });
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (vacuum.runOnce() == 0) { // the pool connects again on its next attempt
            assertThat(System.nanoTime()).as("vacuumed once the database is back").isLessThan(deadline);
        }
    }

    private void drainAll() {
        List<Job> jobs;
        while (!(jobs = claim("w", 100)).isEmpty()) {
            List<Job> claimed = jobs;
            db.writeVoid(tx -> claimed.forEach(job -> queue.complete(tx, job)));
        }
    }

    /** The table's size in pages (PostgreSQL; 0 on SQLite). */
    private long pages(String table) {
        if (db.dialect() != dev.msgbubbles.db.Dialect.POSTGRESQL) {
            return 0;
        }
        return db.read(h -> h.createQuery(
                        "SELECT pg_relation_size(CAST(:t AS regclass)) / current_setting('block_size')::int")
                .bind("t", table).mapTo(Long.class).one());
    }

    /** How many times the table was vacuumed by hand (PostgreSQL's statistics; 0 on SQLite). */
    private long vacuumCount(String table) {
        if (db.dialect() != dev.msgbubbles.db.Dialect.POSTGRESQL) {
            return 0;
        }
        // vacuum reports its count at once; a new transaction reads the current figure
        return db.read(h -> h.createQuery("SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = :t")
                .bind("t", table).mapTo(Long.class).one());
    }
}
