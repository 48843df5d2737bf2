package dev.msgbubbles.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.account.Principal;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The courier takes deliveries this process's fan-out just wrote from {@link NewDeliveries} instead of reading them
 * and their events back: what it is handed must be exactly what {@link DeliveryStore#loadAll} returns (events packed
 * together in one row, one event owed to two endpoints, a clock finer than the store's), a transaction that rolls back
 * hands over nothing, and deliveries go out the same whether they were handed over or read.
 */
abstract class NewDeliveriesContract {
    /** Finer than the millisecond the store keeps. */
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00.123456789Z"));
    private final Receiver receiver = new Receiver();
    private TestStore store;
    private Database db;
    private DeliveryPipeline pipeline;
    private JobQueue queue;
    private Webhooks webhooks;
    private CreatedAccount account;
    private EventLog log;
    /** How many deliveries were in the handoff when the worker was last woken (-1: never woken). */
    private final java.util.concurrent.atomic.AtomicInteger handedAtWake = new java.util.concurrent.atomic.AtomicInteger(-1);

    abstract TestStore newStore();

    @BeforeEach
    void start() {
        store = newStore();
        db = store.open();
        UrlGuard guard = new UrlGuard(host -> List.of(InetAddress.getByName(host)), true);
        queue = new JobQueue(db, "delivery_jobs");
        pipeline = new DeliveryPipeline(db, db, clock, queue, guard, new DeliveryPipeline.Settings(
                new RetryPolicy(RetryPolicy.DEFAULT_SCHEDULE, 0), Duration.ofSeconds(2), 8, 8, 8, Duration.ofDays(30), Duration.ofSeconds(30)),
                new SimpleMeterRegistry(), () -> handedAtWake.set(pipeline.handoff().size()));
        webhooks = new Webhooks(db, clock, new IdempotencyStore(clock, Duration.ofHours(72)), guard, pipeline.listener());
        account = new AccountAdmin(db, clock).create("handoff");
        log = new EventLog(pipeline.fanout());
    }

    @AfterEach
    void stop() {
        receiver.close();
        db.close();
        store.close();
    }

    private WebhookView register(String path) {
        return webhooks.register(new Webhooks.Registration(new Principal(account.account().id(), Mode.TEST,
                account.testKey().id()), null, null, receiver.url(path), null)).webhook();
    }

    /** Appends {@code count} events in one transaction (so packed into one row). */
    private void append(int count) {
        List<EventLog.Pending> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(EventLog.pending(account.account().id(), Mode.TEST, EventType.MESSAGE_RECEIVED,
                    i % 2 == 0 ? null : UUID.randomUUID(), Map.of("text", "hello " + i, "n", i), clock.instant()));
            clock.advance(Duration.ofNanos(1_000_001));
        }
        db.writeVoid(tx -> log.append(tx, events));
    }

    private List<UUID> deliveryIds() {
        return db.read(h -> h.createQuery("SELECT id FROM webhook_deliveries ORDER BY created_at, id")
                .mapTo(UUID.class).list());
    }

    @Test
    void what_the_courier_is_handed_is_what_it_would_read() {
        register("/a");
        register("/b");
        append(5);
        List<UUID> ids = deliveryIds();
        assertThat(ids).hasSize(10);
        Map<UUID, DeliveryStore.Loaded> read = db.read(h -> new DeliveryStore().loadAll(h, ids));
        for (UUID id : ids) {
            DeliveryStore.Loaded handed = pipeline.handoff().take(id);
            assertThat(handed).isNotNull();
            assertThat(handed.event()).isPresent();
            assertThat(handed).isEqualTo(read.get(id));
        }
        assertThat(pipeline.handoff().size()).isZero();
    }

    @Test
    void the_deliveries_are_handed_over_before_the_worker_is_woken() {
        register("/a");
        append(3);
        assertThat(handedAtWake.get()).isEqualTo(3);
    }

    @Test
    void a_transaction_that_rolls_back_hands_over_nothing() {
        register("/a");
        assertThatThrownBy(() -> db.writeVoid(tx -> {
            log.append(tx, List.of(EventLog.pending(account.account().id(), Mode.TEST, EventType.MESSAGE_RECEIVED, null,
                    Map.of("text", "never"), clock.instant())));
            dev.msgbubbles.db.Database.lastStep(tx, "fail at the end", () -> new dev.msgbubbles.db.Database.CommitStep() {
                @Override
                public int order() {
                    return 3;
                }

                @Override
                public void run(org.jdbi.v3.core.Handle h) {
                    throw new IllegalStateException("the transaction failed");
                }
            });
        })).hasMessageContaining("the transaction failed");
        assertThat(deliveryIds()).isEmpty();
        assertThat(pipeline.handoff().size()).isZero();
    }

    @Test
    void deliveries_go_out_the_same_whether_handed_over_or_read() {
        register("/hooks");
        append(4);
        List<UUID> ids = deliveryIds();
        pipeline.handoff().take(ids.get(0)); // as if another process had written these two
        pipeline.handoff().take(ids.get(2));
        assertThat(pipeline.handoff().size()).isEqualTo(2);
        try (Worker worker = new Worker(db, queue, pipeline.handlers(), clock,
                new Worker.Settings(8, Duration.ofSeconds(30), Duration.ofMillis(50)))) {
            worker.drain();
        }
        assertThat(pipeline.handoff().size()).isZero();
        List<Receiver.Request> got = receiver.requests("/hooks");
        assertThat(got).hasSize(4);
        List<String> texts = got.stream().map(r -> r.body().replaceAll(".*\"text\":\"(hello \\d)\".*", "$1")).sorted().toList();
        assertThat(texts).containsExactly("hello 0", "hello 1", "hello 2", "hello 3");
        long succeeded = db.read(h -> h.createQuery("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'succeeded'")
                .mapTo(Long.class).one());
        assertThat(succeeded).isEqualTo(4);
    }

    @Test
    void a_retry_after_a_first_attempt_in_another_process_reads_the_row_not_the_entry_from_the_fan_out() {
        register("/flaky");
        receiver.plan("/flaky", Receiver.Answer.status(500), Receiver.Answer.status(204));
        append(1);
        UUID id = deliveryIds().getFirst();
        assertThat(pipeline.handoff().size()).isEqualTo(1); // this process's entry, never attempted here
        // another process (its own pipeline, nothing handed to it) makes the first attempt: 500, a retry is due later
        DeliveryPipeline other = new DeliveryPipeline(db, db, clock, queue,
                new UrlGuard(host -> List.of(InetAddress.getByName(host)), true), new DeliveryPipeline.Settings(
                        new RetryPolicy(RetryPolicy.DEFAULT_SCHEDULE, 0), Duration.ofSeconds(2), 8, 8, 8, Duration.ofDays(30), Duration.ofSeconds(30)),
                new SimpleMeterRegistry(), () -> { });
        try (Worker worker = new Worker(db, queue, other.handlers(), clock,
                new Worker.Settings(8, Duration.ofSeconds(30), Duration.ofMillis(50)))) {
            worker.drain();
        }
        other.close();
        clock.advance(Duration.ofMinutes(1));
        try (Worker worker = new Worker(db, queue, pipeline.handlers(), clock,
                new Worker.Settings(8, Duration.ofSeconds(30), Duration.ofMillis(50)))) {
            worker.drain();
        }
        DeliveryStore.Loaded settled = db.read(h -> new DeliveryStore().loadAll(h, List.of(id))).get(id);
        assertThat(settled.delivery().status()).isEqualTo(DeliveryStatus.SUCCEEDED);
        assertThat(settled.delivery().attempts()).isEqualTo(2);
        assertThat(db.read(h -> new DeliveryStore().attempts(h, List.of(id))).get(id))
                .extracting(Attempt::number, Attempt::statusCode).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, 500), org.assertj.core.groups.Tuple.tuple(2, 204));
        assertThat(receiver.requests("/flaky")).hasSize(2);
        assertThat(pipeline.handoff().size()).isZero();
    }

    @Test
    void an_attempt_whose_delivery_cannot_be_read_gives_its_endpoint_slot_back() {
        register("/one-at-a-time");
        append(2); // two lanes (one event of no conversation, one of a conversation)
        List<UUID> ids = deliveryIds();
        ids.forEach(id -> pipeline.handoff().take(id)); // as if another process had written them: read from the store
        // the first cannot be read (what a store failing the read looks like to the attempt)
        db.writeVoid(tx -> dev.msgbubbles.db.Sql.update(tx, "UPDATE webhook_deliveries SET status = 'unreadable' WHERE id = ?",
                ids.getFirst()));
        // one slot per endpoint: a slot the failed read kept would hold every later delivery to the endpoint back
        DeliveryPipeline oneSlot = new DeliveryPipeline(db, db, clock, queue,
                new UrlGuard(host -> List.of(InetAddress.getByName(host)), true), new DeliveryPipeline.Settings(
                        new RetryPolicy(RetryPolicy.DEFAULT_SCHEDULE, 0), Duration.ofSeconds(2), 8, 1, 8, Duration.ofDays(30), Duration.ofSeconds(30)),
                new SimpleMeterRegistry(), () -> { });
        try (Worker worker = new Worker(db, queue, oneSlot.handlers(), clock,
                new Worker.Settings(1, Duration.ofSeconds(30), Duration.ofMillis(50)))) {
            assertThat(worker.runOnce()).isEqualTo(1); // the unreadable one: its run fails, it is retried later
            assertThat(worker.runOnce()).isEqualTo(1);
        }
        oneSlot.close();
        assertThat(receiver.requests("/one-at-a-time")).hasSize(1);
    }
}
