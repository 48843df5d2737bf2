package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Another process (the admin CLI, a second server on the same data directory) holds the SQLite store's write lock for
 * longer than the configured wait. Writes then get {@code 503 unavailable} in the documented error shape and write
 * nothing, so retrying them is safe; reads go on (WAL lets them run beside a writer); once the lock is free the same
 * request succeeds as if first made.
 */
class SqliteLockedIT {
    private static final String SEND = "{\"to\":\"+14155551234\",\"from_handle\":\"+18005550100\",\"text\":\"%s\"}";

    @Test
    void writes_while_another_process_holds_the_write_lock_get_503_and_succeed_once_it_lets_go() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
        try (TestStore store = TestStore.sqlite();
             App app = App.start(store.config(Map.of("MSGBUBBLES_WORKER_ENABLED", "false",
                     "MSGBUBBLES_SANDBOX_TIME_SCALE", "0", "MSGBUBBLES_DATABASE_WAIT_MS", "500")), clock)) {
            Http http = new Http(app.port());
            String key = app.bootstrapped().orElseThrow().testKey().key();
            assertThat(http.postJson("/v1/messages", key, SEND.formatted("before")).status()).isEqualTo(202);

            String file = store.config(Map.of()).storage().database().jdbcUrl();
            try (Connection other = DriverManager.getConnection(file); Statement lock = other.createStatement()) {
                lock.execute("BEGIN IMMEDIATE");
                long started = System.nanoTime();
                Http.Response send = http.send("POST", "/v1/messages", key, "application/json",
                        SEND.formatted("during").getBytes(StandardCharsets.UTF_8), Map.of("Idempotency-Key", "locked-1"));
                assertThat(send.status()).as(send.text()).isEqualTo(503);
                JsonNode body = send.json();
                assertThat(body.path("error").asText()).isEqualTo("unavailable");
                assertThat(body.path("message").asText()).contains("nothing was written");
                assertThat(body.path("request_id").asText()).startsWith("req_");
                assertThat(send.header("Retry-After")).contains("1");
                assertThat(java.time.Duration.ofNanos(System.nanoTime() - started))
                        .as("after the configured wait, not SQLite's old 10 s").isLessThan(java.time.Duration.ofSeconds(5));

                assertThat(http.get("/v1/messages", key).status()).isEqualTo(200); // reads go on beside the lock
                assertThat(http.get("/readyz", null).status()).isEqualTo(200);
                lock.execute("ROLLBACK");
            }

            Http.Response again = http.send("POST", "/v1/messages", key, "application/json",
                    SEND.formatted("during").getBytes(StandardCharsets.UTF_8), Map.of("Idempotency-Key", "locked-1"));
            assertThat(again.status()).as("created now, not replayed: the failed attempt wrote nothing").isEqualTo(202);
            assertThat(again.header("Idempotent-Replayed")).isEmpty();

            app.worker().drain();
            List<String> texts = new ArrayList<>();
            for (JsonNode message : http.get("/v1/messages", key).json().path("data")) {
                assertThat(message.path("status").asText()).isEqualTo("read");
                texts.add(message.path("text").asText());
            }
            assertThat(texts).containsExactly("during", "before");
        }
    }
}
