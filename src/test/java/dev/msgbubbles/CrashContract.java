package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.Receiver;
import dev.msgbubbles.support.ServerProcess;
import dev.msgbubbles.support.TestStore;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * SIGKILL the server in the middle of a burst of sends, restart it, and check the durability promise: every
 * send that got a 202 reaches a final status, a retried request (same Idempotency-Key) never makes a second
 * message, no message is recorded as sent twice, and every event reaches the webhook endpoint registered before
 * the burst at least once, signed (a receiver deduplicates on webhook-id). Reduced size here.
 */
abstract class CrashContract {
    /** Sends in the burst: 240 in the suite; the benchmark runs it bigger with -Dmsgbubbles.crash.burst=N. */
    private static final int BURST = Integer.getInteger("msgbubbles.crash.burst", 240);
    private static final int KILL_AFTER = BURST * 5 / 12;
    private static final Set<String> FINAL = Set.of("read", "delivered", "failed");

    abstract TestStore newStore();

    private static Map<String, String> env(TestStore store) {
        Map<String, String> env = new HashMap<>(store.environment());
        env.put("MSGBUBBLES_PORT", "0");
        env.put("MSGBUBBLES_SANDBOX_TIME_SCALE", "0");
        env.put("MSGBUBBLES_RATE_LIMIT_PER_MINUTE", "1000000");
        env.put("MSGBUBBLES_JOB_LEASE_SECONDS", "3"); // jobs the killed process held come back after this
        env.put("MSGBUBBLES_WEBHOOK_TIMEOUT_MS", "1500"); // a lease is at least twice the webhook timeout
        env.put("MSGBUBBLES_WEBHOOK_ALLOW_PRIVATE", "true"); // the receiver is on 127.0.0.1
        return env;
    }

    private static String body(int i) {
        return "{\"to\":\"+1415555" + (4000 + i % 50) + "\",\"from_handle\":\"+18005550100\",\"text\":\"burst " + i + "\"}";
    }

    /** Waits (the restarted server's own worker does the work) until no delivery is left to make. */
    private static void waitForDeliveries(TestStore store, Instant deadline) throws InterruptedException {
        try (Database db = store.open()) {
            while (Instant.now().isBefore(deadline)) {
                long left = db.read(h -> h.createQuery("SELECT (SELECT COUNT(*) FROM delivery_jobs WHERE kind <> 'purge_webhook_deliveries') + "
                        + "(SELECT COUNT(*) FROM jobs WHERE kind NOT LIKE 'purge%')").mapTo(Long.class).one());
                if (left == 0) {
                    return;
                }
                Thread.sleep(100);
            }
        }
    }

    @Test
    void every_accepted_send_survives_a_kill_and_none_is_sent_twice() throws Exception {
        try (TestStore store = newStore(); Receiver receiver = new Receiver()) {
            ServerProcess first = ServerProcess.start(env(store));
            String key = first.testKey();
            Http http = new Http(first.port());
            Http.Response hook = http.postJson("/v1/webhooks", key, "{\"url\":\"" + receiver.url("/crash") + "\"}");
            assertThat(hook.status()).as(hook.text()).isEqualTo(201);
            String secret = hook.json().path("data").path("secret").asText();
            Map<Integer, String> accepted = new ConcurrentHashMap<>();
            AtomicInteger unknown = new AtomicInteger();
            CountDownLatch enough = new CountDownLatch(KILL_AFTER);
            ExecutorService clients = Executors.newFixedThreadPool(8);
            for (int i = 0; i < BURST; i++) {
                int n = i;
                clients.submit(() -> {
                    try {
                        Http.Response r = http.send("POST", "/v1/messages", key, "application/json",
                                body(n).getBytes(StandardCharsets.UTF_8), Map.of("Idempotency-Key", "burst-" + n));
                        if (r.status() == 202) {
                            accepted.put(n, r.json().path("data").path("id").asText());
                            enough.countDown();
                        }
                    } catch (UncheckedIOException e) {
                        unknown.incrementAndGet(); // the server died under this request: outcome unknown to the client
                    }
                });
            }
            assertThat(enough.await(60, TimeUnit.SECONDS)).isTrue();
            first.kill();
            int acceptedAtKill = accepted.size();
            clients.shutdown();
            assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            System.err.printf("crash test: %d accepted when killed, %d accepted in all, %d requests cut off%n",
                    acceptedAtKill, accepted.size(), unknown.get());
            assertThat(accepted.size()).as("the kill must land mid-burst").isLessThan(BURST);

            try (ServerProcess second = ServerProcess.start(env(store))) {
                Http again = new Http(second.port());
                // A client retries everything it is unsure of with the same key: a replay or a first success, never a twin.
                for (int n = 0; n < BURST; n++) {
                    if (accepted.containsKey(n)) {
                        continue;
                    }
                    Http.Response r = again.send("POST", "/v1/messages", key, "application/json",
                            body(n).getBytes(StandardCharsets.UTF_8), Map.of("Idempotency-Key", "burst-" + n));
                    assertThat(r.status()).as(r.text()).isIn(200, 202);
                }
                Http.Response replay = again.send("POST", "/v1/messages", key, "application/json",
                        body(0).getBytes(StandardCharsets.UTF_8), Map.of("Idempotency-Key", "burst-0"));
                assertThat(replay.status()).isEqualTo(200);

                Instant deadline = Instant.now().plus(Duration.ofSeconds(60 + BURST / 20));
                List<String> pending = new ArrayList<>(accepted.values());
                while (!pending.isEmpty() && Instant.now().isBefore(deadline)) {
                    pending.removeIf(id -> FINAL.contains(again.get("/v1/messages/" + id, key).json().path("data")
                            .path("status").asText()));
                    if (!pending.isEmpty()) {
                        Thread.sleep(100); // the restarted server's own worker is doing the work
                    }
                }
                assertThat(pending).as("messages accepted before the kill that never finished").isEmpty();
                waitForDeliveries(store, deadline);
                JsonNode all = again.get("/v1/messages?limit=100", key).json();
                assertThat(all.path("data")).isNotEmpty();
                assertThat(second.stop()).isTrue();
            }

            try (Database db = store.open()) {
                long messages = db.read(h -> h.createQuery("SELECT COUNT(*) FROM messages").mapTo(Long.class).one());
                long distinctTexts = db.read(h -> h.createQuery("SELECT COUNT(DISTINCT body) FROM messages").mapTo(Long.class).one());
                assertThat(messages).as("one message per request, retried or not").isEqualTo(BURST).isEqualTo(distinctTexts);
                List<String> timelines = db.read(h -> h.createQuery("SELECT timeline FROM messages").mapTo(String.class).list());
                var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
                long sentTwice = 0;
                for (String timeline : timelines) {
                    long sent = 0;
                    for (JsonNode step : mapper.readTree(timeline)) {
                        sent += step.path("status").asText().equals("sent") ? 1 : 0;
                    }
                    sentTwice += sent > 1 ? 1 : 0;
                }
                assertThat(timelines).hasSize(BURST);
                assertThat(sentTwice).as("messages whose timeline records two sends").isZero();
                long sentEvents = dev.msgbubbles.support.StoredEvents.count(db, "message.sent");
                assertThat(sentEvents).isEqualTo(BURST);
                long leftover = db.read(h -> h.createQuery("SELECT COUNT(*) FROM jobs WHERE kind NOT LIKE 'purge%'").mapTo(Long.class).one());
                assertThat(leftover).isZero();

                List<String> eventIds = dev.msgbubbles.support.StoredEvents.all(db).stream().map(dev.msgbubbles.event.Event::id).toList();
                List<Receiver.Request> received = receiver.requests("/crash");
                Set<String> distinct = new java.util.HashSet<>();
                com.standardwebhooks.Webhook verifier = new com.standardwebhooks.Webhook(secret);
                for (Receiver.Request request : received) {
                    verifier.verify(request.body(), request.verifierHeaders());
                    distinct.add(request.header("webhook-id"));
                }
                System.err.printf("crash test: %d events, %d webhook requests, %d distinct webhook-ids%n",
                        eventIds.size(), received.size(), distinct.size());
                assertThat(eventIds).hasSizeGreaterThanOrEqualTo(BURST * 4);
                assertThat(distinct).as("every event reached the endpoint at least once").containsExactlyInAnyOrderElementsOf(eventIds);
            }
        }
    }

    @Test
    void a_test_ping_in_flight_when_the_server_is_killed_is_made_after_restart() throws Exception {
        try (TestStore store = newStore(); Receiver receiver = new Receiver()) {
            ServerProcess first = ServerProcess.start(env(store));
            String key = first.testKey();
            Http http = new Http(first.port());
            Http.Response hook = http.postJson("/v1/webhooks", key, "{\"url\":\"" + receiver.url("/ping") + "\"}");
            assertThat(hook.status()).as(hook.text()).isEqualTo(201);
            String hookId = hook.json().path("data").path("id").asText();
            // slow enough to be killed in the middle of, fast enough to succeed within the 1.5 s timeout
            receiver.plan("/ping", Receiver.Answer.status(200).after(Duration.ofMillis(1200)));
            Thread pinging = Thread.ofVirtual().start(() -> {
                try {
                    http.send("POST", "/v1/webhooks/" + hookId + "/test", key, "application/json", new byte[0], Map.of());
                } catch (UncheckedIOException e) {
                    // the server died under this request, as planned
                }
            });
            Instant deadline = Instant.now().plusSeconds(30);
            while (receiver.requests("/ping").isEmpty() && Instant.now().isBefore(deadline)) {
                Thread.sleep(10); // the request reaching the endpoint is an outside event, not a retry
            }
            assertThat(receiver.requests("/ping")).hasSize(1);
            first.kill();
            pinging.join();

            try (ServerProcess second = ServerProcess.start(env(store))) {
                Http again = new Http(second.port());
                String path = "/v1/webhooks/" + hookId + "/deliveries";
                JsonNode ping = again.get(path, key).json().path("data").get(0);
                deadline = Instant.now().plusSeconds(30); // the killed request's lease (3 s) ends, then a worker makes it
                while (ping.path("status").asText().equals("pending") && Instant.now().isBefore(deadline)) {
                    Thread.sleep(100);
                    ping = again.get(path, key).json().path("data").get(0);
                }
                assertThat(ping.path("event_type").asText()).isEqualTo("webhook.test");
                assertThat(ping.path("status").asText()).as(ping.toString()).isEqualTo("succeeded");
                List<Receiver.Request> received = receiver.requests("/ping");
                assertThat(received).hasSize(2);
                assertThat(received.get(1).header("webhook-id")).isEqualTo(received.get(0).header("webhook-id"));

                // a ping whose request lived needs no worker: its attempt's record removed the job written with it
                Http.Response answered = again.send("POST", "/v1/webhooks/" + hookId + "/test", key, "application/json",
                        new byte[0], Map.of());
                assertThat(answered.json().path("data").path("status").asText()).as(answered.text()).isEqualTo("succeeded");
                assertThat(second.stop()).isTrue();
            }
            try (Database db = store.open()) {
                long left = db.read(h -> h.createQuery("SELECT COUNT(*) FROM delivery_jobs WHERE kind = 'webhook.deliver'")
                        .mapTo(Long.class).one());
                assertThat(left).isZero();
            }
            assertThat(receiver.requests("/ping")).hasSize(3);
        }
    }
}
