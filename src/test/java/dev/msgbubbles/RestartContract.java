package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.Receiver;
import dev.msgbubbles.support.ServerProcess;
import dev.msgbubbles.support.StoredEvents;
import dev.msgbubbles.support.TestStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A server stopped with work queued and started again with other settings (webhook retry schedule, pacing, sandbox
 * time scale, lease, event retention) loses nothing of that work and does none of it twice: sends paced under the old
 * pace, a scheduled send, a send held for an offline number, and webhook deliveries waiting for their next attempt
 * under the old retry schedule all happen once.
 */
abstract class RestartContract {
    private static final String SANDBOX = "+18005550100";
    private static final String OFFLINE = "+18005550111";
    private static final Set<String> FINAL = Set.of("read", "delivered", "failed");

    abstract TestStore newStore();

    private static Map<String, String> env(TestStore store, Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(store.environment());
        env.put("MSGBUBBLES_PORT", "0");
        env.put("MSGBUBBLES_RATE_LIMIT_PER_MINUTE", "1000000");
        env.put("MSGBUBBLES_WEBHOOK_TIMEOUT_MS", "2000");
        env.put("MSGBUBBLES_WEBHOOK_ALLOW_PRIVATE", "true"); // the receiver is on 127.0.0.1
        env.putAll(settings);
        return env;
    }

    private static String send(Http http, String key, String json) {
        Http.Response r = http.postJson("/v1/messages", key, json);
        assertThat(r.status()).as(r.text()).isEqualTo(202);
        return r.json().path("data").path("id").asText();
    }

    @Test
    void work_queued_under_old_settings_is_done_once_under_new_ones() throws Exception {
        try (TestStore store = newStore(); Receiver receiver = new Receiver()) {
            ServerProcess first = ServerProcess.start(env(store, Map.of(
                    "MSGBUBBLES_WEBHOOK_RETRY_SCHEDULE", "3s,3s,3s,3s,3s,3s,3s,3s,3s,3s",
                    "MSGBUBBLES_SANDBOX_PACING_PER_MINUTE", "6",
                    "MSGBUBBLES_SANDBOX_TIME_SCALE", "0.5",
                    "MSGBUBBLES_JOB_LEASE_SECONDS", "20",
                    "MSGBUBBLES_EVENT_RETENTION_DAYS", "30")));
            String key = first.testKey();
            Http http = new Http(first.port());
            // every attempt fails while the first server runs: deliveries wait for their next attempt
            Receiver.Answer[] failing = new Receiver.Answer[10_000];
            java.util.Arrays.fill(failing, Receiver.Answer.status(503));
            receiver.plan("/hook", failing);
            assertThat(http.postJson("/v1/webhooks", key, "{\"url\":\"" + receiver.url("/hook") + "\"}").status())
                    .isEqualTo(201);
            try (Database db = store.open()) {
                UUID account = db.read(h -> h.createQuery("SELECT id FROM accounts").mapTo(String.class).one())
                        .transform(UUID::fromString);
                NumberDirectory numbers = App.adminNumbers(db, Clock.systemUTC());
                numbers.add(new NumberDirectory.NewNumber(account, OFFLINE, Set.of(ChannelType.IMESSAGE, ChannelType.SMS),
                        Mode.TEST, Provider.SANDBOX, null));
                numbers.setStatus(OFFLINE, AccountNumber.Status.OFFLINE);
            }
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 4; i++) { // one goes at once, the others wait for the number's pace (one per 10 s)
                ids.add(send(http, key, "{\"to\":\"+14155556000\",\"from_handle\":\"" + SANDBOX + "\",\"text\":\"paced " + i + "\"}"));
            }
            ids.add(send(http, key, "{\"to\":\"+14155556001\",\"from_handle\":\"" + SANDBOX
                    + "\",\"text\":\"scheduled\",\"scheduled_at\":\"" + Instant.now().plusSeconds(6) + "\"}"));
            Thread.sleep(2_500); // the cache of number statuses (2 s) has seen the number go offline
            ids.add(send(http, key, "{\"to\":\"+14155556002\",\"from_handle\":\"" + OFFLINE + "\",\"text\":\"held\"}"));
            Instant deadline = Instant.now().plusSeconds(20);
            while (receiver.requests("/hook").size() < 3 && Instant.now().isBefore(deadline)) {
                Thread.sleep(100); // the first attempts are made (and fail) under the first settings
            }
            // still queued when the first server stops: the scheduled send, the held one and at least one paced one
            Map<String, String> statuses = new HashMap<>();
            for (String id : ids) {
                statuses.put(id, http.get("/v1/messages/" + id, key).json().path("data").path("status").asText());
            }
            assertThat(statuses.get(ids.get(4))).as("the scheduled send").isEqualTo("scheduled");
            assertThat(statuses.get(ids.get(5))).as("the held send").isNotIn(FINAL).isNotEqualTo("sent");
            assertThat(ids.subList(1, 4)).as("paced sends, %s", statuses).anyMatch(id -> statuses.get(id).equals("queued"));
            assertThat(first.stop()).isTrue();
            assertThat(first.exitCode(Duration.ZERO)).isEqualTo(143);

            receiver.unplan("/hook");
            int before = receiver.requests("/hook").size();
            try (ServerProcess second = ServerProcess.start(env(store, Map.of(
                    "MSGBUBBLES_WEBHOOK_RETRY_SCHEDULE", "500ms,500ms,500ms,500ms,500ms,500ms,500ms,500ms",
                    "MSGBUBBLES_SANDBOX_PACING_PER_MINUTE", "0",
                    "MSGBUBBLES_SANDBOX_TIME_SCALE", "0",
                    "MSGBUBBLES_JOB_LEASE_SECONDS", "30",
                    "MSGBUBBLES_EVENT_RETENTION_DAYS", "10")))) {
                Http again = new Http(second.port());
                try (Database db = store.open()) {
                    App.adminNumbers(db, Clock.systemUTC()).setStatus(OFFLINE, AccountNumber.Status.ONLINE);
                }
                deadline = Instant.now().plusSeconds(60);
                List<String> pending = new ArrayList<>(ids);
                while (!pending.isEmpty() && Instant.now().isBefore(deadline)) {
                    pending.removeIf(id -> FINAL.contains(again.get("/v1/messages/" + id, key).json().path("data")
                            .path("status").asText()));
                    Thread.sleep(100);
                }
                assertThat(pending).as("sends queued before the restart that never finished").isEmpty();
                try (Database db = store.open()) {
                    long left = Long.MAX_VALUE;
                    while (left > 0 && Instant.now().isBefore(deadline)) {
                        left = db.read(h -> h.createQuery("SELECT (SELECT COUNT(*) FROM webhook_deliveries WHERE status "
                                + "<> 'succeeded') + (SELECT COUNT(*) FROM jobs WHERE kind NOT LIKE 'purge%')")
                                .mapTo(Long.class).one());
                        Thread.sleep(100);
                    }
                    assertThat(left).as("deliveries not succeeded, and jobs left").isZero();
                }
                assertThat(second.stop()).isTrue();
            }

            try (Database db = store.open()) {
                List<String> timelines = db.read(h -> h.createQuery("SELECT timeline FROM messages").mapTo(String.class)
                        .list());
                assertThat(timelines).hasSameSizeAs(ids);
                for (String timeline : timelines) {
                    long sent = 0;
                    for (JsonNode step : new com.fasterxml.jackson.databind.ObjectMapper().readTree(timeline)) {
                        sent += step.path("status").asText().equals("sent") ? 1 : 0;
                    }
                    assertThat(sent).as("sends recorded in %s", timeline).isEqualTo(1);
                }
                assertThat(StoredEvents.count(db, "message.sent")).isEqualTo(ids.size());
                Set<String> eventIds = StoredEvents.all(db).stream().map(dev.msgbubbles.event.Event::id)
                        .collect(Collectors.toSet());
                List<Receiver.Request> answered = receiver.requests("/hook").subList(before, receiver.requests("/hook").size());
                Map<String, Long> perEvent = answered.stream().collect(Collectors.groupingBy(r -> r.header("webhook-id"),
                        Collectors.counting()));
                assertThat(perEvent.keySet()).as("every event delivered after the restart").isEqualTo(eventIds);
                assertThat(perEvent.values()).as("and each once").allMatch(n -> n == 1);
            }
        }
    }
}
