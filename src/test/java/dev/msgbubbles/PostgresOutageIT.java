package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The database goes away under a running server (it refuses connections and every open one is ended) and comes back.
 * Meanwhile requests get {@code 503 unavailable} in the documented error shape, after the configured wait rather than
 * HikariCP's 30 s, and nothing of them is written, so retrying them is safe; afterwards the same requests succeed as if
 * first made, and the work they cause goes on.
 */
class PostgresOutageIT {
    private static final String SEND = "{\"to\":\"+14155551234\",\"from_handle\":\"+18005550100\",\"text\":\"%s\"}";

    @Test
    void requests_during_an_outage_get_503_unavailable_write_nothing_and_succeed_once_it_ends() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
        try (TestStore store = TestStore.postgres("outage");
             App app = App.start(store.config(Map.of("MSGBUBBLES_WORKER_ENABLED", "false",
                     "MSGBUBBLES_SANDBOX_TIME_SCALE", "0", "MSGBUBBLES_DATABASE_WAIT_MS", "500")), clock)) {
            Http http = new Http(app.port());
            String key = app.bootstrapped().orElseThrow().testKey().key();
            assertThat(http.postJson("/v1/messages", key, SEND.formatted("before")).status()).isEqualTo(202);

            // an event stream open when the outage begins ends (the client resumes it with Last-Event-ID)
            java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
            java.net.http.HttpClient.newHttpClient().sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                            "http://127.0.0.1:" + app.port() + "/v1/events/stream")).header("Authorization", "Bearer " + key).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofLines())
                    .thenAccept(response -> {
                        response.body().forEach(lines::add);
                        lines.add(END);
                    });
            assertThat(next(lines, "data:")).contains("before"); // the stream is under way
            store.refuseConnections();
            try {
                assertThat(next(lines, END)).as("the stream ended").isEqualTo(END);
                Http.Response send = http.send("POST", "/v1/messages", key, "application/json",
                        SEND.formatted("during").getBytes(StandardCharsets.UTF_8), Map.of("Idempotency-Key", "outage-1"));
                assertUnavailable(send);
                assertThat(send.json().path("message").asText()).contains("nothing was written");
                assertThat(send.header("Retry-After")).contains("1");
                assertUnavailable(http.get("/v1/messages", key));
                assertUnavailable(http.get("/readyz", null));
                assertThat(http.get("/healthz", null).status()).isEqualTo(200); // the process itself is fine
            } finally {
                store.allowConnections();
            }

            // the pool opens connections again on its own, after its next attempt (well within a few seconds)
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (http.get("/readyz", null).status() != 200) {
                assertThat(System.nanoTime()).as("ready again within 30 s").isLessThan(deadline);
            }
            Http.Response again = http.send("POST", "/v1/messages", key, "application/json",
                    SEND.formatted("during").getBytes(StandardCharsets.UTF_8), Map.of("Idempotency-Key", "outage-1"));
            assertThat(again.status()).as("created now, not replayed: the failed attempt wrote nothing").isEqualTo(202);
            assertThat(again.header("Idempotent-Replayed")).isEmpty();

            app.worker().drain(); // both sends' jobs are there (one conversation: one after the other), and run
            List<String> texts = new ArrayList<>();
            for (JsonNode message : http.get("/v1/messages", key).json().path("data")) {
                assertThat(message.path("status").asText()).isEqualTo("read");
                texts.add(message.path("text").asText());
            }
            assertThat(texts).containsExactly("during", "before");
        }
    }

    /**
     * {@code /metrics} during an outage answers promptly, with the 503s counted: the backlog gauge, which reads the
     * queue, says NaN (unknown) instead of holding the scrape for the database wait (3 s here, 5 s by default).
     */
    @Test
    void metrics_are_scraped_promptly_during_an_outage() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
        try (TestStore store = TestStore.postgres("outage-metrics");
             App app = App.start(store.config(Map.of("MSGBUBBLES_WORKER_ENABLED", "false",
                     "MSGBUBBLES_DATABASE_WAIT_MS", "3000")), clock)) {
            Http http = new Http(app.port());
            String key = app.bootstrapped().orElseThrow().testKey().key();
            assertThat(http.get("/metrics", null).text()).contains("msgbubbles_webhook_backlog_age_seconds 0.0");
            store.refuseConnections();
            try {
                assertUnavailable(http.get("/v1/messages", key));
                for (int scrape = 0; scrape < 3; scrape++) {
                    long started = System.nanoTime();
                    Http.Response metrics = http.get("/metrics", null);
                    java.time.Duration took = java.time.Duration.ofNanos(System.nanoTime() - started);
                    assertThat(metrics.status()).isEqualTo(200);
                    assertThat(took).as("scrape %d", scrape).isLessThan(java.time.Duration.ofMillis(2500));
                    assertThat(metrics.text()).contains("msgbubbles_webhook_backlog_age_seconds NaN")
                            .contains("http_server_requests_seconds_count{method=\"GET\",route=\"/v1/messages\",status=\"503\"} 1");
                }
            } finally {
                store.allowConnections();
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (!http.get("/metrics", null).text().contains("msgbubbles_webhook_backlog_age_seconds 0.0")) {
                assertThat(System.nanoTime()).as("the gauge reads again within 30 s").isLessThan(deadline);
            }
        }
    }

    private static final String END = "(end of stream)";

    /** The next line starting with {@code prefix}, skipping others; fails after 30 s. */
    private static String next(java.util.concurrent.BlockingQueue<String> lines, String prefix) {
        while (true) {
            String line;
            try {
                line = lines.poll(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            assertThat(line).as("a line starting with '%s' within 30 s", prefix).isNotNull();
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    private static void assertUnavailable(Http.Response response) {
        assertThat(response.status()).as(response.text()).isEqualTo(503);
        JsonNode body = response.json();
        assertThat(body.path("error").asText()).isEqualTo("unavailable");
        assertThat(body.path("message").asText()).isNotBlank();
        assertThat(body.path("request_id").asText()).startsWith("req_");
        assertThat(body.has("data")).isFalse();
    }
}
