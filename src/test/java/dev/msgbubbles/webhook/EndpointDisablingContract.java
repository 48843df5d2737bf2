package dev.msgbubbles.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.account.Principal;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Writes;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.event.EventType;
import dev.msgbubbles.idempotency.IdempotencyStore;
import dev.msgbubbles.queue.JobQueue;
import dev.msgbubbles.queue.Worker;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.Receiver;
import dev.msgbubbles.support.TestStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.HandleCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Endpoints the courier disables (three deliveries in a row used up their retries) are owed nothing from then on, also
 * when the group commit records two of them, of two accounts, in one transaction.
 */
abstract class EndpointDisablingContract {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private final Receiver receiver = new Receiver();
    private TestStore store;
    private Database db;
    private JobQueue queue;
    private DeliveryPipeline pipeline;
    private Webhooks webhooks;
    private EventLog log;

    abstract TestStore newStore();

    @BeforeEach
    void start() {
        store = newStore();
        db = store.open();
        UrlGuard guard = new UrlGuard(host -> List.of(InetAddress.getByName(host)), true);
        queue = new JobQueue(db, "delivery_jobs");
        // no retries: each failed delivery has used up its retries at once
        pipeline = new DeliveryPipeline(db, new Together(db), clock, queue, guard, new DeliveryPipeline.Settings(
                new RetryPolicy(List.of(), 0), Duration.ofSeconds(2), 8, 8, 8, Duration.ofDays(30),
                Duration.ofSeconds(30)), new SimpleMeterRegistry(), () -> { });
        webhooks = new Webhooks(db, clock, new IdempotencyStore(clock, Duration.ofHours(72)), guard, pipeline.listener());
        log = new EventLog(pipeline.fanout());
    }

    @AfterEach
    void stop() {
        receiver.close();
        pipeline.close();
        db.close();
        store.close();
    }

    private record Endpoint(UUID accountId, UUID id, String path) {
    }

    private Endpoint register(String name) {
        CreatedAccount account = new AccountAdmin(db, clock).create(name);
        String path = "/" + name;
        WebhookView hook = webhooks.register(new Webhooks.Registration(new Principal(account.account().id(), Mode.TEST,
                account.testKey().id()), null, null, receiver.url(path), null)).webhook();
        return new Endpoint(account.account().id(), hook.id(), path);
    }

    private void append(Endpoint e) {
        db.writeVoid(tx -> log.append(tx, List.of(EventLog.pending(e.accountId(), Mode.TEST, EventType.MESSAGE_RECEIVED,
                null, Map.of("text", "hello"), clock.instant()))));
    }

    private long deliveries(Endpoint e) {
        return db.read(h -> h.createQuery("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = :id")
                .bind("id", e.id()).mapTo(Long.class).one());
    }

    private boolean enabled(Endpoint e) {
        return db.read(h -> h.createQuery("SELECT enabled FROM webhooks WHERE id = :id").bind("id", e.id())
                .mapTo(Boolean.class).one());
    }

    @Test
    @Timeout(30)
    void two_endpoints_disabled_in_one_transaction_are_both_owed_nothing_more() {
        // the courier's after-commit hook that tells the fan-out was registered under one key per transaction: of two
        // endpoints disabled in one group commit, only the first account's copy of its endpoints was renewed, and the
        // second's events kept being written deliveries for its disabled endpoint
        Endpoint a = register("disabled-a");
        Endpoint b = register("disabled-b");
        receiver.plan(a.path(), Receiver.Answer.status(500));
        receiver.plan(b.path(), Receiver.Answer.status(500));
        db.writeVoid(tx -> tx.execute("UPDATE webhooks SET exhausted_in_a_row = 2"));
        append(a);
        append(b);
        try (Worker worker = new Worker(db, queue, pipeline.handlers(), clock,
                new Worker.Settings(8, Duration.ofSeconds(30), Duration.ofMillis(50)))) {
            assertThat(worker.runOnce()).isEqualTo(2);
        }
        assertThat(enabled(a)).isFalse();
        assertThat(enabled(b)).isFalse();

        append(a);
        append(b);
        assertThat(deliveries(a)).isEqualTo(1);
        assertThat(deliveries(b)).isEqualTo(1);
    }

    /** Commits the work of two callers in one transaction, as the group commit does when they come together. */
    private static final class Together implements Writes {
        private final Database db;
        private HandleCallback<?, RuntimeException> first;
        private CountDownLatch firstDone;
        private Object firstResult;

        Together(Database db) {
            this.db = db;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <R> R write(HandleCallback<R, RuntimeException> work) {
            CountDownLatch done;
            synchronized (this) {
                if (first == null) {
                    first = work;
                    done = new CountDownLatch(1);
                    firstDone = done;
                } else {
                    HandleCallback<?, RuntimeException> other = first;
                    CountDownLatch otherDone = firstDone;
                    first = null;
                    try {
                        return db.write(tx -> {
                            firstResult = other.withHandle(tx);
                            return work.withHandle(tx);
                        });
                    } finally {
                        otherDone.countDown();
                    }
                }
            }
            try {
                if (!done.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no second unit came to share the transaction");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            synchronized (this) {
                return (R) firstResult;
            }
        }
    }
}
