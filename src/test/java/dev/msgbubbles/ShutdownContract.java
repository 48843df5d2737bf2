package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.Receiver;
import dev.msgbubbles.support.ServerProcess;
import dev.msgbubbles.support.TestStore;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * SIGTERM (a normal stop: a deploy, a scale-down) in the middle of a burst of sends, with an event stream open and
 * webhook deliveries under way to a slow endpoint. The process ends within the documented time with the documented
 * code and logs nothing at ERROR; every send that got a 202 is sent after a restart, and without waiting for any lease
 * (the lease here is far longer than the test waits): the stopped process finished or released what it had claimed.
 */
abstract class ShutdownContract {
    private static final int BURST = 200;
    private static final int STOP_AFTER = 80;
    /** Far longer than the test waits after the restart: a job left claimed by the stopped process would not finish. */
    private static final String LEASE_SECONDS = "120";
    private static final Set<String> FINAL = Set.of("read", "delivered", "failed");

    abstract TestStore newStore();

    private static Map<String, String> env(TestStore store) {
        Map<String, String> env = new HashMap<>(store.environment());
        env.put("MSGBUBBLES_PORT", "0");
        env.put("MSGBUBBLES_SANDBOX_TIME_SCALE", "0");
        env.put("MSGBUBBLES_RATE_LIMIT_PER_MINUTE", "1000000");
        env.put("MSGBUBBLES_JOB_LEASE_SECONDS", LEASE_SECONDS);
        env.put("MSGBUBBLES_WEBHOOK_TIMEOUT_MS", "2000");
        env.put("MSGBUBBLES_WEBHOOK_ALLOW_PRIVATE", "true"); // the receiver is on 127.0.0.1
        return env;
    }

    private static String body(int i) {
        return "{\"to\":\"+1415555" + (5000 + i % 40) + "\",\"from_handle\":\"+18005550100\",\"text\":\"stop " + i + "\"}";
    }

    @Test
    void a_sigterm_mid_burst_keeps_every_202_releases_its_jobs_and_logs_no_error() throws Exception {
        try (TestStore store = newStore(); Receiver receiver = new Receiver()) {
            ServerProcess first = ServerProcess.start(env(store));
            String key = first.testKey();
            Http http = new Http(first.port());
            assertThat(http.postJson("/v1/webhooks", key, "{\"url\":\"" + receiver.url("/stop") + "\"}").status())
                    .isEqualTo(201);
            // a slow endpoint: deliveries are under way when the stop comes
            Receiver.Answer[] slow = new Receiver.Answer[BURST * 6];
            java.util.Arrays.fill(slow, Receiver.Answer.status(200).after(Duration.ofMillis(300)));
            receiver.plan("/stop", slow);

            // an open event stream, which must end rather than hold the stop up
            HttpClient streamClient = HttpClient.newHttpClient();
            var stream = streamClient.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port()
                            + "/v1/events/stream")).header("Authorization", "Bearer " + key).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

            Map<Integer, String> accepted = new ConcurrentHashMap<>();
            AtomicInteger cutOff = new AtomicInteger();
            List<String> refused = java.util.Collections.synchronizedList(new ArrayList<>());
            CountDownLatch enough = new CountDownLatch(STOP_AFTER);
            ExecutorService clients = Executors.newFixedThreadPool(8);
            for (int i = 0; i < BURST; i++) {
                int n = i;
                clients.submit(() -> {
                    try {
                        Http.Response r = http.send("POST", "/v1/messages", key, "application/json",
                                body(n).getBytes(StandardCharsets.UTF_8), Map.of("Idempotency-Key", "stop-" + n));
                        if (r.status() == 202) {
                            accepted.put(n, r.json().path("data").path("id").asText());
                            enough.countDown();
                        } else {
                            refused.add(r.status() + " " + r.text()); // none is expected: every request is answered
                        }
                    } catch (UncheckedIOException e) {
                        cutOff.incrementAndGet(); // the connection closed under the request: the client retries
                    }
                });
            }
            assertThat(enough.await(60, TimeUnit.SECONDS)).isTrue();
            Instant stopping = Instant.now();
            assertThat(first.stop()).as("the process ends after SIGTERM").isTrue();
            Duration took = Duration.between(stopping, Instant.now());
            Integer code = first.exitCode(Duration.ZERO);
            clients.shutdown();
            assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            System.err.printf("shutdown test: stopped in %d ms with code %s; %d accepted, %d refused, %d cut off%n",
                    took.toMillis(), code, accepted.size(), refused.size(), cutOff.get());
            assertThat(refused).as("answers other than 202 (a request under way finishes)").isEmpty();
            assertThat(code).as("exit code after SIGTERM (128 + 15)").isEqualTo(143);
            assertThat(took).as("stop time").isLessThan(Duration.ofSeconds(30));
            List<String> errors = first.lines().stream().filter(line -> line.contains(" ERROR ")
                    || line.startsWith("Exception") || line.startsWith("\tat ")).toList();
            assertThat(errors).as("nothing logged at ERROR for a normal stop").isEmpty();
            assertThat(first.lines()).as("the output was read to its end (what the checks above look at)")
                    .last().asString().contains("stopped cleanly");
            try (InputStream events = stream.get().body()) {
                events.readAllBytes(); // the stream ended with the process (or this read would hang)
            } catch (java.io.IOException e) {
                // ended by a reset: ended all the same
            }
            streamClient.close();

            try (ServerProcess second = ServerProcess.start(env(store))) {
                Http again = new Http(second.port());
                for (int n = 0; n < BURST; n++) {
                    if (!accepted.containsKey(n)) {
                        Http.Response r = again.send("POST", "/v1/messages", key, "application/json",
                                body(n).getBytes(StandardCharsets.UTF_8), Map.of("Idempotency-Key", "stop-" + n));
                        assertThat(r.status()).as(r.text()).isIn(200, 202);
                    }
                }
                // far less than the lease: only jobs nobody holds can finish in this time
                Instant deadline = Instant.now().plus(Duration.ofSeconds(45));
                List<String> pending = new ArrayList<>(accepted.values());
                while (!pending.isEmpty() && Instant.now().isBefore(deadline)) {
                    pending.removeIf(id -> FINAL.contains(again.get("/v1/messages/" + id, key).json().path("data")
                            .path("status").asText()));
                    if (!pending.isEmpty()) {
                        Thread.sleep(100); // the restarted server's own worker is doing the work
                    }
                }
                assertThat(pending).as("sends accepted before the stop that did not finish without a lease ending")
                        .isEmpty();
                try (Database db = store.open()) {
                    long left = Long.MAX_VALUE;
                    while (left > 0 && Instant.now().isBefore(deadline)) {
                        left = db.read(h -> h.createQuery("SELECT (SELECT COUNT(*) FROM delivery_jobs WHERE kind "
                                + "<> 'purge_webhook_deliveries') + (SELECT COUNT(*) FROM jobs WHERE kind NOT LIKE "
                                + "'purge%')").mapTo(Long.class).one());
                        Thread.sleep(100);
                    }
                    assertThat(left).as("jobs left waiting (for a lease) after the restart").isZero();
                }
                assertThat(second.stop()).isTrue();
                assertThat(second.lines().stream().filter(line -> line.contains(" ERROR ")).toList()).isEmpty();
            }
            try (Database db = store.open()) {
                long messages = db.read(h -> h.createQuery("SELECT COUNT(*) FROM messages").mapTo(Long.class).one());
                assertThat(messages).as("one message per request, retried or not").isEqualTo(BURST);
                assertThat(dev.msgbubbles.support.StoredEvents.count(db, "message.sent")).isEqualTo(BURST);
            }
        }
    }
}
