package dev.msgbubbles.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Sql;
import dev.msgbubbles.queue.JobQueue;
import dev.msgbubbles.queue.Worker;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The delivery log's purge takes a large backlog in bounded runs, each due again at once while more is due, and
 * keeps pending deliveries and those younger than the retention. Rows are written directly; a manual clock drives it.
 */
abstract class DeliveryLogPurgeContract {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private TestStore store;
    private Database db;
    private final MutableClock clock = new MutableClock(START);

    abstract TestStore newStore();

    @BeforeEach
    void open() {
        store = newStore();
        db = store.open();
    }

    @AfterEach
    void close() {
        db.close();
        store.close();
    }

    private UUID endpoint(UUID account) {
        UUID id = UUID.randomUUID();
        db.writeVoid(tx -> Sql.update(tx, "INSERT INTO webhooks (id, account_id, mode, url, secret, created_at, "
                + "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", id, account, Mode.TEST.wire(), "https://example.com/hook", "whsec_x",
                START, START));
        return id;
    }

    private void deliveries(UUID account, UUID endpoint, int count, DeliveryStatus status, Instant at) {
        List<Delivery> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            rows.add(Delivery.pending(UUID.randomUUID(), endpoint, account, Mode.TEST, "evt_" + UUID.randomUUID(), null,
                    "message.sent", "{}", at).after(status, 1, 0, null, 200, null, at));
        }
        db.writeVoid(tx -> new DeliveryStore().insertAll(tx, rows));
    }

    private Map<String, Long> left() {
        List<Map.Entry<String, Long>> rows = db.read(h -> Sql.list(h, "SELECT status, COUNT(*) AS n FROM "
                + "webhook_deliveries GROUP BY status", row -> Map.entry(row.string("status"), row.longValue("n"))));
        return Map.ofEntries(rows.toArray(Map.Entry[]::new));
    }

    @Test
    void a_backlog_is_taken_in_bounded_runs_and_pending_and_young_deliveries_stay() {
        UUID account = new AccountAdmin(db, clock).create("purge").account().id();
        UUID first = endpoint(account);
        UUID second = endpoint(account);
        deliveries(account, first, 25, DeliveryStatus.SUCCEEDED, START);
        deliveries(account, first, 3, DeliveryStatus.PENDING, START);
        deliveries(account, second, 12, DeliveryStatus.FAILED, START);
        deliveries(account, second, 4, DeliveryStatus.SUCCEEDED, START.plus(Duration.ofDays(20)));
        JobQueue queue = new JobQueue(db, "delivery_jobs");
        DeliveryLogPurge purge = new DeliveryLogPurge(db, queue, Duration.ofDays(30), 10, 2); // 20 rows a run
        purge.ensureScheduled(START);
        Worker worker = new Worker(db, queue, Map.of(DeliveryLogPurge.KIND, purge), clock,
                new Worker.Settings(16, Duration.ofMinutes(1), Duration.ofMillis(10)));

        clock.advance(Duration.ofDays(31));
        // 37 settled and old, at most 20 a run: one unbounded run would take them all (how many runs depends on the
        // order the endpoints come in: each run starts over with the first)
        assertThat(worker.drain()).isBetween(2, 5);

        assertThat(left()).isEqualTo(Map.of("pending", 3L, "succeeded", 4L));
        List<Instant> next = db.read(h -> Sql.list(h, "SELECT run_at FROM delivery_jobs WHERE kind = ?",
                row -> row.instant("run_at"), DeliveryLogPurge.KIND));
        assertThat(next).containsExactly(clock.instant().plus(DeliveryLogPurge.EVERY));
    }

    @Test
    void a_removed_endpoint_s_whole_log_goes_in_chunks_and_no_other_endpoint_s() {
        UUID account = new AccountAdmin(db, clock).create("removal").account().id();
        UUID removed = endpoint(account);
        UUID other = endpoint(account);
        deliveries(account, removed, 23, DeliveryStatus.SUCCEEDED, START);
        deliveries(account, removed, 4, DeliveryStatus.PENDING, START);
        deliveries(account, other, 5, DeliveryStatus.SUCCEEDED, START);
        db.writeVoid(tx -> Sql.update(tx, "INSERT INTO webhook_attempts (delivery_id, number, attempted_at, latency_ms) "
                + "SELECT id, 1, 0, 5 FROM webhook_deliveries", new Object[0]));
        JobQueue queue = new JobQueue(db, "delivery_jobs");
        EndpointRemoval removal = new EndpointRemoval(db, queue, 10); // 10 a transaction, CHUNKS_PER_RUN a run
        db.writeVoid(tx -> queue.enqueue(tx, EndpointRemoval.job(removed, clock.instant()), clock.instant()));
        Worker worker = new Worker(db, queue, Map.of(EndpointRemoval.KIND, removal), clock,
                new Worker.Settings(16, Duration.ofMinutes(1), Duration.ofMillis(10)));
        assertThat(worker.drain()).as("not before its delay").isZero();

        clock.advance(EndpointRemoval.DELAY);
        worker.drain();
        assertThat(left()).isEqualTo(Map.of("succeeded", 5L));
        long attempts = db.read(h -> Sql.one(h, "SELECT COUNT(*) AS n FROM webhook_attempts", row -> row.longValue("n")))
                .orElseThrow();
        assertThat(attempts).as("the other endpoint's only").isEqualTo(5);
        assertThat(db.read(queue::pending)).isZero();
    }

    @Test
    void more_endpoints_than_chunks_in_a_run_still_end_and_every_endpoint_is_purged() {
        // a run counted each endpoint it looked at as a chunk, one with nothing to remove too: with more endpoints than
        // chunks a run, every run started over with the first ones, stopped on "more is due" and was due again at
        // once, for ever (the worker spun on it), and the later endpoints' logs were never purged
        UUID account = new AccountAdmin(db, clock).create("many").account().id();
        for (int i = 0; i < 5; i++) {
            deliveries(account, endpoint(account), 1, DeliveryStatus.SUCCEEDED, START);
        }
        JobQueue queue = new JobQueue(db, "delivery_jobs");
        DeliveryLogPurge purge = new DeliveryLogPurge(db, queue, Duration.ofDays(30), 10, 2);
        purge.ensureScheduled(START);
        Worker worker = new Worker(db, queue, Map.of(DeliveryLogPurge.KIND, purge), clock,
                new Worker.Settings(16, Duration.ofMinutes(1), Duration.ofMillis(10)));

        clock.advance(Duration.ofDays(31));
        int runs = 0;
        while (runs < 20 && worker.runOnce() > 0) {
            runs++;
        }

        assertThat(runs).as("runs until the purge is done for the hour").isBetween(1, 5);
        assertThat(left()).isEmpty();
        List<Instant> next = db.read(h -> Sql.list(h, "SELECT run_at FROM delivery_jobs WHERE kind = ?",
                row -> row.instant("run_at"), DeliveryLogPurge.KIND));
        assertThat(next).containsExactly(clock.instant().plus(DeliveryLogPurge.EVERY));
    }
}
