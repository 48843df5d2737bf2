package dev.msgbubbles.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.account.Principal;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.event.EventType;
import dev.msgbubbles.idempotency.IdempotencyStore;
import dev.msgbubbles.queue.Job;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A replay queues its next chunk of deliveries only while its endpoint has less than a chunk due: a long replay
 * written at once put all its deliveries ahead of everything other accounts queued after it (the worker claims in
 * due order). It still sends every event once, in the end.
 */
abstract class ReplayBacklogContract {
    private static final int EVENTS = 1_200;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private final Receiver receiver = new Receiver();
    private TestStore store;
    private Database db;
    private DeliveryPipeline pipeline;
    private JobQueue queue;
    private Webhooks webhooks;
    private CreatedAccount account;

    abstract TestStore newStore();

    @BeforeEach
    void start() {
        store = newStore();
        db = store.open();
        UrlGuard guard = new UrlGuard(host -> List.of(InetAddress.getByName(host)), true);
        queue = new JobQueue(db, "delivery_jobs");
        pipeline = new DeliveryPipeline(db, db, clock, queue, guard, new DeliveryPipeline.Settings(
                new RetryPolicy(RetryPolicy.DEFAULT_SCHEDULE, 0), Duration.ofSeconds(2), 64, 64, 64, Duration.ofDays(30),
                Duration.ofSeconds(30)), new SimpleMeterRegistry(), () -> { });
        webhooks = new Webhooks(db, clock, new IdempotencyStore(clock, Duration.ofHours(72)), guard, pipeline.listener());
        account = new AccountAdmin(db, clock).create("replay");
    }

    @AfterEach
    void stop() {
        receiver.close();
        pipeline.close();
        db.close();
        store.close();
    }

    private long deliveries() {
        return db.read(h -> h.createQuery("SELECT COUNT(*) FROM webhook_deliveries").mapTo(Long.class).one());
    }

    /** The replay job as a worker would have claimed it (by seq, as on SQLite), if one is due. */
    private java.util.Optional<Job> dueReplay() {
        return db.read(h -> h.createQuery("SELECT seq, kind, subject, lane, payload, attempts FROM delivery_jobs "
                        + "WHERE kind = :kind AND run_at <= :now")
                .bind("kind", ReplayJob.KIND).bind("now", clock.instant().toEpochMilli())
                .map((rs, ctx) -> new Job(rs.getLong("seq"), rs.getString("kind"), rs.getString("subject"),
                        rs.getString("lane"), rs.getString("payload"), rs.getInt("attempts"), null))
                .findOne());
    }

    /**
     * The endpoint busy: the first delivery of the chunk is put back a second ahead (as DeliveryJob does when the
     * endpoint has no free slot), and the rest of its lane (the whole chunk: events of no conversation share the
     * endpoint's lane) becomes due with it. They are still the endpoint's backlog: the replay keeps waiting.
     */
    @Test
    void a_replay_waits_while_its_endpoint_is_busy_with_the_chunk_before() {
        Instant since = clock.instant();
        List<EventLog.Pending> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            events.add(EventLog.pending(account.account().id(), Mode.TEST, EventType.MESSAGE_RECEIVED, null,
                    Map.of("n", i), clock.instant()));
        }
        EventLog log = new EventLog(pipeline.fanout());
        db.writeVoid(tx -> log.append(tx, events));
        clock.advance(Duration.ofSeconds(1));
        Principal principal = new Principal(account.account().id(), Mode.TEST, account.testKey().id());
        WebhookView hook = webhooks.register(new Webhooks.Registration(principal, null, null, receiver.url("/busy"), null))
                .webhook();
        pipeline.deliveries().replay(principal, hook.id(), since);
        var replay = pipeline.handlers().get(ReplayJob.KIND);
        replay.handle(dueReplay().orElseThrow(), clock.instant());
        assertThat(deliveries()).isEqualTo(ReplayJob.CHUNK);

        List<Job> first = db.write(tx -> queue.claim(tx, "w", 1, clock.instant(), Duration.ofSeconds(30)));
        assertThat(first).singleElement().satisfies(job -> assertThat(job.kind()).isEqualTo(DeliveryJob.KIND));
        db.writeVoid(tx -> queue.reschedule(tx, first.getFirst(), clock.instant().plus(Slots.PUT_BACK), "endpoint busy"));
        replay.handle(dueReplay().orElseThrow(), clock.instant());
        assertThat(deliveries()).as("no second chunk while the first waits for the endpoint").isEqualTo(ReplayJob.CHUNK);
    }

    @Test
    void a_replay_waits_while_its_endpoint_has_a_chunk_due_and_still_sends_every_event_once() {
        Instant since = clock.instant();
        List<EventLog.Pending> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            events.add(EventLog.pending(account.account().id(), Mode.TEST, EventType.MESSAGE_RECEIVED, null,
                    Map.of("n", i), clock.instant()));
        }
        EventLog log = new EventLog(pipeline.fanout());
        db.writeVoid(tx -> log.append(tx, events)); // before the endpoint: they owe it nothing until the replay
        clock.advance(Duration.ofSeconds(1));
        WebhookView hook = webhooks.register(new Webhooks.Registration(new Principal(account.account().id(), Mode.TEST,
                account.testKey().id()), null, null, receiver.url("/replayed"), null)).webhook();
        assertThat(deliveries()).isZero();
        pipeline.deliveries().replay(new Principal(account.account().id(), Mode.TEST, account.testKey().id()),
                hook.id(), since);

        var replay = pipeline.handlers().get(ReplayJob.KIND);
        replay.handle(dueReplay().orElseThrow(), clock.instant());
        assertThat(deliveries()).isEqualTo(ReplayJob.CHUNK);
        // the next chunk waits: a chunk of the endpoint's deliveries is due and not yet made
        replay.handle(dueReplay().orElseThrow(), clock.instant());
        assertThat(deliveries()).isEqualTo(ReplayJob.CHUNK);
        assertThat(dueReplay()).isEmpty();

        try (Worker worker = new Worker(db, queue, pipeline.handlers(), clock,
                new Worker.Settings(64, Duration.ofSeconds(30), Duration.ofMillis(50)))) {
            for (int round = 0; round < 20 && receiver.requests("/replayed").size() < EVENTS; round++) {
                worker.drain();
                clock.advance(ReplayJob.BACKLOG_WAIT);
            }
        }
        List<String> ids = receiver.requests("/replayed").stream().map(r -> r.header("webhook-id")).toList();
        assertThat(ids).hasSize(EVENTS).doesNotHaveDuplicates();
        assertThat(deliveries()).isEqualTo(EVENTS);
    }
}
