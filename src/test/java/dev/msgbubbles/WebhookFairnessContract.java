package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.Receiver;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * One account's hung endpoints must not hold up another account's deliveries: a booted server whose delivery worker
 * runs as in production (a flow of at most {@code MSGBUBBLES_WEBHOOK_CONCURRENCY} attempts), small limits, and a
 * receiver that holds the hung endpoints' requests until the test releases them. The manual clock only moves to
 * bring put-back jobs due again. One subclass per store.
 */
abstract class WebhookFairnessContract extends MessagingFixture {
    /** Process 8, endpoint 4; the account's limit is left to its default, half the process's: 4. */
    private static final int CONCURRENCY = 8;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Long enough for a delivery that should happen; what a starved one is given before the test calls it starved. */
    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private final Receiver receiver = new Receiver();

    /** Near the real time, as the stock verifier of other webhook tests wants. */
    @Override
    protected Instant startTime() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }

    @Override
    protected Map<String, String> extraConfig() {
        return Map.of("MSGBUBBLES_WEBHOOK_ALLOW_PRIVATE", "true", "MSGBUBBLES_WEBHOOK_RETRY_JITTER", "0",
                "MSGBUBBLES_WEBHOOK_TIMEOUT_MS", Long.toString(TIMEOUT.toMillis()),
                "MSGBUBBLES_JOB_LEASE_SECONDS", "600", "MSGBUBBLES_WEBHOOK_CONCURRENCY", Integer.toString(CONCURRENCY),
                "MSGBUBBLES_WEBHOOK_ENDPOINT_CONCURRENCY", "4");
    }

    @AfterAll
    void stopReceiver() {
        receiver.close();
    }

    private record Hook(String id, String path, String key) {
    }

    private Hook hook(String key) {
        String path = "/hooks/" + UUID.randomUUID();
        Http.Response created = http.postJson("/v1/webhooks", key, "{\"url\":\"" + receiver.url(path)
                + "\",\"events\":[\"message.queued\"]}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        return new Hook(created.json().path("data").path("id").asText(), path, key);
    }

    private void sendFrom(Sender s, String to, String text) {
        Http.Response response = send(s.testKey(), "{\"to\":\"" + to + "\",\"from_handle\":\"" + s.handle()
                + "\",\"text\":\"" + text + "\"}");
        assertThat(response.status()).as(response.text()).isEqualTo(202);
    }

    private JsonNode deliveries(Hook hook) {
        Http.Response response = http.get("/v1/webhooks/" + hook.id() + "/deliveries?limit=100", hook.key());
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        return response.json().path("data");
    }

    /** When the jobs of {@code hooks} that a worker put back and none holds now are due, earliest first. */
    private List<Long> putBack(List<Hook> hooks) {
        return app.database().read(h -> h.createQuery("SELECT run_at FROM delivery_jobs WHERE payload IN (<ids>) "
                + "AND last_error IS NOT NULL AND lease_owner IS NULL ORDER BY run_at")
                .bindList("ids", hooks.stream().map(Hook::id).toList()).mapTo(Long.class).list());
    }

    /** How many delivery jobs of the endpoints {@code ids} are outstanding (a job ends with its attempt's record). */
    private long pending(List<String> ids) {
        return app.database().read(h -> h.createQuery("SELECT COUNT(*) FROM delivery_jobs WHERE payload IN (<ids>)")
                .bindList("ids", ids).mapTo(Long.class).one());
    }

    private List<String> texts(Hook hook) {
        return receiver.requests(hook.path()).stream()
                .map(r -> Http.parse(r.body()).path("data").path("text").asText()).toList();
    }

    @Test
    void an_accounts_hung_endpoints_leave_slots_for_other_accounts_and_deliver_once_when_they_answer() {
        Sender a = newSender("hangs", EnumSet.of(ChannelType.IMESSAGE), Mode.TEST, Provider.SANDBOX);
        Sender b = newSender("healthy", EnumSet.of(ChannelType.IMESSAGE), Mode.TEST, Provider.SANDBOX);
        List<Hook> hung = List.of(hook(a.testKey()), hook(a.testKey()), hook(a.testKey()));
        Hook healthy = hook(b.testKey());
        hung.forEach(h -> receiver.hold(h.path()));
        // three conversations, two messages each: nine lanes at each endpoint's door, 18 deliveries in all, enough to
        // take every one of the process's 8 slots (no endpoint's 4 binds: each has 3 lanes)
        List<String> recipients = List.of(to("7001"), to("7002"), to("7003"));
        for (String to : recipients) {
            sendFrom(a, to, "1-" + to);
            sendFrom(a, to, "2-" + to);
        }
        app.deliveryWorker().start();
        for (Hook h : hung) {
            assertThat(receiver.await(h.path(), 1, PATIENCE)).as("A's attempts under way").isTrue();
        }

        sendFrom(b, to("7004"), "for b");
        app.deliveryWorker().wake();
        assertThat(receiver.await(healthy.path(), 1, PATIENCE)).as("B's delivery while A's endpoints hang").isTrue();
        // A holds its own share of the slots, no more
        assertThat(hung.stream().mapToInt(h -> receiver.requests(h.path()).size()).sum()).isEqualTo(CONCURRENCY / 2);

        // A's jobs that find its slots stuck (none of its attempts has ended for 250 ms of real time: how the worker
        // tells hung attempts from busy ones) are put back for the attempt timeout, spread a sixteenth of it apart (4
        // put-backs per slot per timeout), not for a second each: bring the ones put back while its slots were only
        // busy due again until they are put back past the timeout (a second at a time, so never past it by the clock)
        int waiting = recipients.size() * hung.size() - CONCURRENCY / 2; // lane heads not under way
        List<Long> putBack = List.of();
        for (int round = 0; round < 10; round++) {
            clock.advance(Duration.ofSeconds(1));
            app.deliveryWorker().wake();
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(300).toNanos()); // real time must pass
            putBack = putBack(hung);
            if (putBack.size() == waiting && putBack.getFirst() > clock.instant().plus(TIMEOUT).minusSeconds(10)
                    .toEpochMilli()) {
                break;
            }
        }
        long beyond = clock.instant().plus(TIMEOUT).minusSeconds(10).toEpochMilli();
        assertThat(putBack).as("A's jobs put back while its slots are stuck").hasSize(waiting)
                .allSatisfy(at -> assertThat(at).isGreaterThan(beyond));
        for (int i = 1; i < putBack.size(); i++) {
            assertThat(putBack.get(i) - putBack.get(i - 1)).isGreaterThanOrEqualTo(TIMEOUT.toMillis() / 16);
        }

        hung.forEach(h -> receiver.release(h.path()));
        for (int round = 0; round < 20 && hung.stream().anyMatch(h -> receiver.requests(h.path()).size() < 2); round++) {
            clock.advance(TIMEOUT.plusSeconds(1)); // A's jobs put back while its slots were stuck come due again
            app.deliveryWorker().wake();
            hung.forEach(h -> receiver.await(h.path(), 2, Duration.ofSeconds(2)));
        }
        for (Hook h : hung) {
            assertThat(receiver.await(h.path(), 2, PATIENCE)).isTrue();
        }
        // the worker goes on until nothing is left: each delivery made once, each conversation's events in order
        for (int round = 0; round < 5; round++) {
            clock.advance(TIMEOUT.plusSeconds(1));
            app.deliveryWorker().wake();
            hung.forEach(h -> receiver.await(h.path(), 2 * recipients.size(), PATIENCE));
        }
        // a request has arrived before its attempt is recorded: wait for the records too
        List<String> ids = new ArrayList<>(hung.stream().map(Hook::id).toList());
        ids.add(healthy.id());
        for (long deadline = System.nanoTime() + PATIENCE.toNanos(); pending(ids) > 0 && System.nanoTime() < deadline; ) {
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        for (Hook h : hung) {
            List<String> got = texts(h);
            assertThat(got).as("each of A's deliveries once").hasSize(2 * recipients.size()).doesNotHaveDuplicates();
            for (String to : recipients) {
                assertThat(got.indexOf("1-" + to)).as("event order in " + to).isLessThan(got.indexOf("2-" + to))
                        .isNotNegative();
            }
            assertThat(receiver.requests(h.path()).stream().map(r -> r.header("webhook-id")).toList())
                    .doesNotHaveDuplicates();
            assertThat(deliveries(h)).hasSize(2 * recipients.size()).allSatisfy(d -> {
                assertThat(d.path("status").asText()).isEqualTo("succeeded");
                assertThat(d.path("attempts")).hasSize(1);
            });
        }
        assertThat(texts(healthy)).containsExactly("for b");
        assertThat(deliveries(healthy)).hasSize(1);
    }
}
