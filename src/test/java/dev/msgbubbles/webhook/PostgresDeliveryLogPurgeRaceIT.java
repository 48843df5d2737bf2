package dev.msgbubbles.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Sql;
import dev.msgbubbles.queue.JobQueue;
import dev.msgbubbles.queue.Worker;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.PgLocks;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The delivery log's purge against a delivery that settles while it runs (PostgreSQL, where each statement sees what
 * committed before it; SQLite's single writer lets nothing in between). A delivery still pending when the purge
 * looks, older than the log retention (a retention shorter than the retries), whose last attempt commits meanwhile,
 * must leave with its attempts or not at all: never its row without its attempts, which nothing would reach again.
 */
class PostgresDeliveryLogPurgeRaceIT {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private final MutableClock clock = new MutableClock(START);

    private static Delivery delivery(UUID account, UUID endpoint, DeliveryStatus status) {
        return Delivery.pending(UUID.randomUUID(), endpoint, account, Mode.TEST, "evt_" + UUID.randomUUID(), null,
                "message.sent", "{}", START).after(status, 1, 0, null, 500, null, START);
    }

    private static void attempt(org.jdbi.v3.core.Handle tx, UUID delivery) {
        Sql.update(tx, "INSERT INTO webhook_attempts (delivery_id, number, attempted_at, status_code, latency_ms, error, "
                + "response_excerpt) VALUES (?, 1, ?, 500, 12, 'HTTP 500', '')", delivery, START);
    }

    @Test
    void a_delivery_that_settles_while_the_purge_runs_never_leaves_its_attempts_behind() throws Exception {
        try (TestStore store = TestStore.postgres("deliverypurgerace"); Database db = store.open();
             Database probe = store.open()) {
            UUID account = new AccountAdmin(db, clock).create("race").account().id();
            UUID endpoint = UUID.randomUUID();
            db.writeVoid(tx -> Sql.update(tx, "INSERT INTO webhooks (id, account_id, mode, url, secret, created_at, "
                    + "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", endpoint, account, Mode.TEST.wire(),
                    "https://example.com/hook", "whsec_x", START, START));
            Delivery settled = delivery(account, endpoint, DeliveryStatus.FAILED);
            Delivery retrying = delivery(account, endpoint, DeliveryStatus.PENDING);
            db.writeVoid(tx -> {
                new DeliveryStore().insertAll(tx, List.of(settled, retrying));
                attempt(tx, settled.id());
                attempt(tx, retrying.id());
            });
            JobQueue queue = new JobQueue(db, "delivery_jobs");
            DeliveryLogPurge purge = new DeliveryLogPurge(db, queue, Duration.ofDays(1));
            purge.ensureScheduled(START);
            Worker worker = new Worker(db, queue, Map.of(DeliveryLogPurge.KIND, purge), clock,
                    new Worker.Settings(16, Duration.ofMinutes(1), Duration.ofMillis(10)));
            clock.advance(Duration.ofDays(2));

            // the courier records the pending delivery's last attempt (it settles), in a transaction that also holds
            // a row the purge is about to remove (here: the settled delivery's attempt), so that the purge is under
            // way, past its first look, when that transaction commits
            // threads of their own: the common pool may have a single thread on a small machine
            java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Void> courier = CompletableFuture.runAsync(() -> db.writeVoid(tx -> {
                Sql.update(tx, "UPDATE webhook_deliveries SET status = 'succeeded' WHERE id = ?", retrying.id());
                Sql.update(tx, "UPDATE webhook_attempts SET latency_ms = 13 WHERE delivery_id = ?", settled.id());
                held.countDown();
                PgLocks.await(release);
            }), threads);
            PgLocks.await(held);
            CompletableFuture<Integer> run = CompletableFuture.supplyAsync(worker::runOnce, threads);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!run.isDone() && PgLocks.waiting(probe) == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(run.isDone()).as("the purge waits for the courier's transaction").isFalse();
            release.countDown();
            courier.join();
            assertThat(run.get(20, TimeUnit.SECONDS)).isEqualTo(1);
            threads.shutdown();

            long orphans = db.read(h -> Sql.one(h, "SELECT COUNT(*) AS n FROM webhook_attempts a WHERE NOT EXISTS "
                    + "(SELECT 1 FROM webhook_deliveries d WHERE d.id = a.delivery_id)", row -> row.longValue("n")))
                    .orElseThrow();
            assertThat(orphans).as("attempts left without their delivery").isZero();
            // the one that settled meanwhile goes with its attempts next time
            clock.advance(DeliveryLogPurge.EVERY);
            worker.drain();
            assertThat(db.read(h -> Sql.one(h, "SELECT COUNT(*) AS n FROM webhook_attempts", row -> row.longValue("n")))
                    .orElseThrow()).isZero();
            assertThat(db.read(h -> Sql.one(h, "SELECT COUNT(*) AS n FROM webhook_deliveries",
                    row -> row.longValue("n"))).orElseThrow()).isZero();
        }
    }
}
