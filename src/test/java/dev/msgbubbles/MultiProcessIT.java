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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Three server processes on one PostgreSQL database, sends spread across them, one of them SIGKILLed mid-burst:
 * the jobs it held are taken over by the others once their lease ends, every accepted message reaches a final
 * status, none is sent twice, and every event reaches the webhook endpoint (at least once; distinct ids = events).
 * Reduced size here; the sandbox runs at its documented timing so that work is really in flight at the kill.
 */
class MultiProcessIT {
    private static final int BURST = 180;
    private static final Set<String> FINAL = Set.of("read", "delivered", "failed");

    private static Map<String, String> env(TestStore store) {
        Map<String, String> env = new HashMap<>(store.environment());
        env.put("MSGBUBBLES_PORT", "0");
        env.put("MSGBUBBLES_RATE_LIMIT_PER_MINUTE", "1000000");
        env.put("MSGBUBBLES_JOB_LEASE_SECONDS", "3");
        env.put("MSGBUBBLES_WEBHOOK_TIMEOUT_MS", "1500"); // a lease is at least twice the webhook timeout
        env.put("MSGBUBBLES_WEBHOOK_ALLOW_PRIVATE", "true");
        return env;
    }

    private static String body(int i) {
        return "{\"to\":\"+1415555" + (4000 + i % 60) + "\",\"from_handle\":\"+18005550100\",\"text\":\"multi " + i + "\"}";
    }

    @Test
    void three_processes_share_the_work_and_the_survivors_finish_what_a_killed_one_held() throws Exception {
        try (TestStore store = TestStore.postgres("multi"); Receiver receiver = new Receiver()) {
            List<ServerProcess> servers = new ArrayList<>();
            servers.add(ServerProcess.start(env(store)));
            String key = servers.getFirst().testKey();
            servers.add(ServerProcess.start(env(store)));
            servers.add(ServerProcess.start(env(store)));
            try {
                Http first = new Http(servers.getFirst().port());
                Http.Response hook = first.postJson("/v1/webhooks", key, "{\"url\":\"" + receiver.url("/multi") + "\"}");
                assertThat(hook.status()).as(hook.text()).isEqualTo(201);
                String secret = hook.json().path("data").path("secret").asText();

                Map<Integer, String> accepted = new ConcurrentHashMap<>();
                Map<Integer, Integer> servedBy = new ConcurrentHashMap<>();
                CountDownLatch third = new CountDownLatch(BURST / 3);
                ExecutorService clients = Executors.newFixedThreadPool(9);
                for (int i = 0; i < BURST; i++) {
                    int n = i;
                    clients.submit(() -> {
                        int server = n % 3;
                        try {
                            Http.Response r = new Http(servers.get(server).port()).send("POST", "/v1/messages", key,
                                    "application/json", body(n).getBytes(StandardCharsets.UTF_8),
                                    Map.of("Idempotency-Key", "multi-" + n));
                            if (r.status() == 202) {
                                accepted.put(n, r.json().path("data").path("id").asText());
                                servedBy.put(n, server);
                                third.countDown();
                            }
                        } catch (UncheckedIOException e) {
                            // the killed process: the client retries below
                        }
                    });
                }
                assertThat(third.await(60, TimeUnit.SECONDS)).isTrue();
                servers.get(1).kill();
                clients.shutdown();
                assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
                assertThat(new HashSet<>(servedBy.values())).as("every process took sends").containsExactlyInAnyOrder(0, 1, 2);

                Http survivor = new Http(servers.get(2).port());
                for (int n = 0; n < BURST; n++) {
                    if (!accepted.containsKey(n)) {
                        Http.Response r = survivor.send("POST", "/v1/messages", key, "application/json",
                                body(n).getBytes(StandardCharsets.UTF_8), Map.of("Idempotency-Key", "multi-" + n));
                        assertThat(r.status()).as(r.text()).isIn(200, 202);
                        accepted.put(n, r.json().path("data").path("id").asText());
                    }
                }
                Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
                List<String> pending = new ArrayList<>(accepted.values());
                while (!pending.isEmpty() && Instant.now().isBefore(deadline)) {
                    pending.removeIf(id -> FINAL.contains(first.get("/v1/messages/" + id, key).json().path("data")
                            .path("status").asText()));
                    if (!pending.isEmpty()) {
                        Thread.sleep(200); // the surviving processes' workers are doing the work
                    }
                }
                assertThat(pending).as("messages that never finished").isEmpty();

                try (Database db = store.open()) {
                    while (Instant.now().isBefore(deadline) && db.read(h -> h.createQuery(
                            "SELECT (SELECT COUNT(*) FROM delivery_jobs WHERE kind <> 'purge_webhook_deliveries') + (SELECT COUNT(*) FROM jobs "
                                    + "WHERE kind NOT LIKE 'purge%')").mapTo(Long.class).one()) > 0) {
                        Thread.sleep(200);
                    }
                    long messages = db.read(h -> h.createQuery("SELECT COUNT(*) FROM messages").mapTo(Long.class).one());
                    long sentEvents = dev.msgbubbles.support.StoredEvents.count(db, "message.sent");
                    assertThat(messages).isEqualTo(BURST);
                    assertThat(sentEvents).as("one sent event per message: no send ran twice").isEqualTo(BURST);
                    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
                    for (String timeline : db.read(h -> h.createQuery("SELECT timeline FROM messages").mapTo(String.class).list())) {
                        long sent = 0;
                        for (JsonNode step : mapper.readTree(timeline)) {
                            sent += step.path("status").asText().equals("sent") ? 1 : 0;
                        }
                        assertThat(sent).as(timeline).isEqualTo(1);
                    }
                    List<String> eventIds = dev.msgbubbles.support.StoredEvents.all(db).stream().map(dev.msgbubbles.event.Event::id).toList();
                    Set<String> distinct = new HashSet<>();
                    com.standardwebhooks.Webhook verifier = new com.standardwebhooks.Webhook(secret);
                    for (Receiver.Request request : receiver.requests("/multi")) {
                        verifier.verify(request.body(), request.verifierHeaders());
                        distinct.add(request.header("webhook-id"));
                    }
                    System.err.printf("multi-process test: %d events, %d webhook requests, %d distinct%n",
                            eventIds.size(), receiver.requests("/multi").size(), distinct.size());
                    assertThat(distinct).containsExactlyInAnyOrderElementsOf(eventIds);
                }
            } finally {
                for (ServerProcess server : servers) {
                    server.close();
                }
            }
        }
    }
}
