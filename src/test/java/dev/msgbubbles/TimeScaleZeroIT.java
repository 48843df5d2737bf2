package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** At sandbox time scale 0 every receipt is due at once: one worker round takes a message to read, fully recorded. */
class TimeScaleZeroIT {

    @Test
    void receipts_already_due_are_applied_with_the_send_and_recorded_in_full() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
        try (TestStore store = TestStore.sqlite();
             App app = App.start(store.config(Map.of("MSGBUBBLES_WORKER_ENABLED", "false",
                     "MSGBUBBLES_SANDBOX_TIME_SCALE", "0")), clock)) {
            Http http = new Http(app.port());
            String key = app.bootstrapped().orElseThrow().testKey().key();
            String id = http.postJson("/v1/messages", key, "{\"to\":\"+14155551234\",\"from_handle\":\"+18005550100\",\"text\":\"now\"}")
                    .json().path("data").path("id").asText();
            assertThat(app.worker().runOnce()).isEqualTo(1);
            JsonNode message = http.get("/v1/messages/" + id, key).json().path("data");
            assertThat(message.path("status").asText()).isEqualTo("read");
            List<String> timeline = new ArrayList<>();
            message.path("timeline").forEach(t -> timeline.add(t.path("status").asText()));
            assertThat(timeline).containsExactly("queued", "sent", "delivered", "read");
            var account = app.bootstrapped().orElseThrow().account().id();
            assertThat(app.database().read(h -> new EventLog(EventLog.Fanout.NONE).after(h, account, Mode.TEST, 0, 100)).stream()
                    .filter(e -> e.payload().contains(id)).map(e -> e.type().wire()).toList())
                    .containsExactly("message.queued", "message.sent", "message.delivered", "message.read");
            long jobs = app.database().read(h -> h.createQuery("SELECT COUNT(*) FROM jobs WHERE kind NOT LIKE 'purge%'").mapTo(Long.class).one());
            assertThat(jobs).isZero();
            // the 0777 contact's typing, reply and like still arrive, as jobs that are due at once
            String chatty = http.postJson("/v1/messages", key, "{\"to\":\"+14155550777\",\"from_handle\":\"+18005550100\",\"text\":\"hi\"}")
                    .json().path("data").path("conversation_id").asText();
            app.worker().drain();
            assertThat(http.get("/v1/messages?conversation_id=" + chatty, key).json().path("data").get(0).path("text").asText())
                    .isEqualTo("echo: hi");
        }
    }
}
