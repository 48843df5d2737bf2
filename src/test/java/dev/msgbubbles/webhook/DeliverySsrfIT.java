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
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF guard at delivery time (the guard is on, as in production): a name that resolved to a public address
 * when the endpoint was registered but resolves elsewhere when a delivery is due is not sent to. The delivery is
 * dropped and the reason recorded; the receiver (which the name secretly points at) gets nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliverySsrfIT {
    private static final String HOST = "hooks.example.test";
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private final Map<String, String> dns = new ConcurrentHashMap<>();
    /** Answers given once each, before {@link #dns}: a name that changes its answer between two lookups. */
    private final java.util.Queue<String> rebind = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Receiver receiver = new Receiver();
    private TestStore store;
    private Database db;
    private Webhooks webhooks;
    private DeliveryPipeline pipeline;
    private JobQueue queue;
    private CreatedAccount account;

    @BeforeAll
    void start() {
        store = TestStore.sqlite();
        db = store.open();
        UrlGuard guard = new UrlGuard(host -> {
            String next = rebind.poll();
            String address = next != null ? next : dns.get(host);
            if (address == null) {
                throw new java.net.UnknownHostException(host);
            }
            return List.of(InetAddress.getByName(address));
        }, false);
        queue = new JobQueue(db, "delivery_jobs");
        pipeline = new DeliveryPipeline(db, db, clock, queue, guard, new DeliveryPipeline.Settings(
                new RetryPolicy(RetryPolicy.DEFAULT_SCHEDULE, 0), Duration.ofSeconds(2), 8, 8, 8, Duration.ofDays(30), Duration.ofSeconds(30)), new SimpleMeterRegistry(), () -> { });
        webhooks = new Webhooks(db, clock, new IdempotencyStore(clock, Duration.ofHours(72)), guard, pipeline.listener());
        account = new AccountAdmin(db, clock).create("ssrf");
    }

    @AfterAll
    void stop() {
        receiver.close();
        db.close();
        store.close();
    }

    private Principal principal() {
        return new Principal(account.account().id(), Mode.TEST, account.testKey().id());
    }

    /** An endpoint on {@link #HOST} (public at registration), pointing at the receiver's port. */
    private WebhookView register(String path) {
        dns.put(HOST, "93.184.216.34");
        String port = receiver.url("/").split(":")[2].replace("/", "");
        return webhooks.register(new Webhooks.Registration(principal(), null, null,
                "http://" + HOST + ":" + port + path, null)).webhook();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
            "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::"})
    void a_name_that_now_resolves_to_a_private_address_is_not_sent_to(String address) {
        String path = "/ssrf/" + UUID.randomUUID();
        WebhookView hook = register(path);
        dns.put(HOST, address);

        DeliveryView ping = pipeline.deliveries().test(principal(), hook.id());

        assertThat(ping.status()).isEqualTo("dropped");
        assertThat(ping.attempts()).singleElement().satisfies(a -> {
            assertThat(a.statusCode()).isNull();
            assertThat(a.error()).startsWith("not sent:");
        });
        assertThat(receiver.requests(path)).isEmpty();
    }

    @Test
    void an_event_delivery_whose_name_turned_to_loopback_is_dropped_not_retried() {
        String path = "/ssrf/" + UUID.randomUUID();
        WebhookView hook = register(path);
        dns.put(HOST, "127.0.0.1");
        EventLog log = new EventLog(pipeline.fanout());
        db.writeVoid(tx -> log.append(tx, account.account().id(), Mode.TEST, EventType.MESSAGE_RECEIVED, null,
                Map.of("text", "hello"), clock.instant()));
        try (Worker worker = new Worker(db, queue, pipeline.handlers(), clock,
                new Worker.Settings(8, Duration.ofSeconds(30), Duration.ofMillis(50)))) {
            worker.drain();
            clock.advance(Duration.ofDays(5));
            worker.drain();
        }

        var log1 = pipeline.deliveries().list(principal(), hook.id(), dev.msgbubbles.common.PageQuery.parse(
                java.util.Optional.empty(), java.util.Optional.empty()));
        assertThat(log1.items()).singleElement().satisfies(d -> {
            assertThat(d.status()).isEqualTo("dropped");
            assertThat(d.attempts()).hasSize(1);
        });
        assertThat(receiver.requests(path)).isEmpty();
        assertThat(db.read(queue::pending)).isZero();
    }

    /**
     * A lookup that fails (a DNS outage, a zone being moved) says nothing of where the name points: it is a connection
     * error, retried on the schedule (DECISIONS §8), not a refusal; only an answer that is not public drops a delivery.
     */
    @Test
    void a_name_that_does_not_resolve_when_a_delivery_is_due_is_retried_not_dropped() {
        String path = "/ssrf/" + UUID.randomUUID();
        WebhookView hook = register(path);
        dns.remove(HOST);
        EventLog log = new EventLog(pipeline.fanout());
        db.writeVoid(tx -> log.append(tx, account.account().id(), Mode.TEST, EventType.MESSAGE_RECEIVED, null,
                Map.of("text", "hello"), clock.instant()));
        try (Worker worker = new Worker(db, queue, pipeline.handlers(), clock,
                new Worker.Settings(8, Duration.ofSeconds(30), Duration.ofMillis(50)))) {
            worker.drain();
            assertThat(deliveries(hook)).singleElement().satisfies(d -> {
                assertThat(d.status()).isEqualTo("pending");
                assertThat(d.attempts()).singleElement().satisfies(a -> assertThat(a.statusCode()).isNull());
            });

            dns.put(HOST, "127.0.0.1"); // it answers again, now with a private address: that is refused
            clock.advance(Duration.ofSeconds(10));
            worker.drain();
        }
        assertThat(deliveries(hook)).singleElement().satisfies(d -> {
            assertThat(d.status()).isEqualTo("dropped");
            assertThat(d.attempts()).hasSize(2);
        });
        assertThat(receiver.requests(path)).isEmpty();
    }

    private List<DeliveryView> deliveries(WebhookView hook) {
        return pipeline.deliveries().list(principal(), hook.id(), dev.msgbubbles.common.PageQuery.parse(
                java.util.Optional.empty(), java.util.Optional.empty())).items();
    }

    @Test
    void a_name_that_turns_private_between_the_check_and_the_connection_is_not_connected_to() {
        String path = "/ssrf/" + UUID.randomUUID();
        WebhookView hook = register(path);
        dns.put(HOST, "127.0.0.1"); // where the receiver really is
        rebind.add("93.184.216.34"); // the delivery-time check sees a public answer, the connection asks again

        DeliveryView ping = pipeline.deliveries().test(principal(), hook.id());

        assertThat(ping.status()).isEqualTo("failed");
        assertThat(ping.attempts()).singleElement().satisfies(a -> {
            assertThat(a.statusCode()).isNull();
            assertThat(a.error()).contains("not public");
        });
        assertThat(receiver.requests(path)).isEmpty();
    }

    @Test
    void while_the_name_stays_public_the_guard_lets_it_through() {
        String path = "/ssrf/" + UUID.randomUUID();
        WebhookView hook = register(path);
        // 93.184.216.34 is not this machine: the attempt is made (and fails to connect or times out), not dropped
        DeliveryView ping = pipeline.deliveries().test(principal(), hook.id());
        assertThat(ping.status()).isEqualTo("failed");
        assertThat(ping.attempts()).singleElement().satisfies(a -> assertThat(a.error()).doesNotStartWith("not sent"));
    }
}
