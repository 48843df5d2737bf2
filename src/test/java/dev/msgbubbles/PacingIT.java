package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-number pacing: a burst is accepted at once (202) and goes out one slot at a time. */
class PacingIT {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    @Test
    void a_paced_number_queues_a_burst_and_sends_one_per_slot() {
        try (TestStore store = TestStore.sqlite();
             App app = App.start(store.config(Map.of("MSGBUBBLES_WORKER_ENABLED", "false",
                     "MSGBUBBLES_SANDBOX_PACING_PER_MINUTE", "60")), clock)) {
            Http http = new Http(app.port());
            String key = app.bootstrapped().orElseThrow().testKey().key();
            List<String> ids = new ArrayList<>();
            for (String to : List.of("+14155553001", "+14155553002", "+14155553003", "+14155553001")) {
                Http.Response r = http.postJson("/v1/messages", key, "{\"to\":\"" + to + "\",\"from_handle\":\"+18005550100\",\"text\":\"x\"}");
                assertThat(r.status()).isEqualTo(202);
                ids.add(r.json().path("data").path("id").asText());
            }
            app.worker().drain();
            assertThat(sentCount(http, key, ids)).isEqualTo(1);
            clock.advance(Duration.ofMillis(999));
            app.worker().drain();
            assertThat(sentCount(http, key, ids)).isEqualTo(1);
            clock.advance(Duration.ofMillis(1));
            app.worker().drain();
            assertThat(sentCount(http, key, ids)).isEqualTo(2);
            clock.advance(Duration.ofSeconds(1));
            app.worker().drain();
            assertThat(sentCount(http, key, ids)).isEqualTo(3);
            clock.advance(Duration.ofSeconds(1));
            app.worker().drain();
            assertThat(sentCount(http, key, ids)).isEqualTo(4);
            // the two messages of one thread still went out in order
            Instant first = Instant.parse(http.get("/v1/messages/" + ids.get(0), key).json().path("data").path("sent_at").asText());
            Instant last = Instant.parse(http.get("/v1/messages/" + ids.get(3), key).json().path("data").path("sent_at").asText());
            assertThat(last).isAfter(first);
        }
    }

    private static long sentCount(Http http, String key, List<String> ids) {
        return ids.stream().filter(id -> !http.get("/v1/messages/" + id, key).json().path("data").path("status").asText()
                .equals("queued")).count();
    }
}
