package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.account.Provider;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.Receiver;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Two accounts whose endpoints hang must not hold up a third account's deliveries: with fixed caps, two accounts each
 * holding its cap (half the process's slots) in hung attempts held every slot, a new wave each timeout, for as long as
 * their backlog lasted. A booted server whose delivery worker runs as in production, small limits, a 1 s attempt
 * timeout, and a receiver that holds the hung endpoints' requests (accepts them, never answers). Real time passes only
 * for the hangs; the manual clock moves to bring the jobs put back in the first wave due again. One subclass per store.
 */
abstract class WebhookHungEndpointsContract extends MessagingFixture {
    /** Process 8, endpoint 4; an account's limit is left to its default, half the process's: 4. */
    private static final int CONCURRENCY = 8;
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    /**
     * How soon the healthy account's delivery must arrive: the first wave of hung attempts holds every slot for one
     * timeout (nothing is known of the endpoints before), after which each hung endpoint has one slot at most. With
     * fixed caps, the hung backlog ahead of it took a wave of every slot per timeout: ten waves here.
     */
    private static final Duration PROMPTLY = TIMEOUT.multipliedBy(3);
    /** Conversations per hung account: a lane at each of its two endpoints each, all due before the healthy one. */
    private static final int CONVERSATIONS = 20;
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
                "MSGBUBBLES_WEBHOOK_CONCURRENCY", Integer.toString(CONCURRENCY),
                "MSGBUBBLES_WEBHOOK_ENDPOINT_CONCURRENCY", "4");
    }

    @AfterAll
    void stopReceiver() {
        receiver.close();
    }

    private String hook(String key) {
        String path = "/hooks/" + UUID.randomUUID();
        Http.Response created = http.postJson("/v1/webhooks", key, "{\"url\":\"" + receiver.url(path)
                + "\",\"events\":[\"message.queued\"]}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        return path;
    }

    private void sendFrom(Sender s, String to, String text) {
        Http.Response response = send(s.testKey(), "{\"to\":\"" + to + "\",\"from_handle\":\"" + s.handle()
                + "\",\"text\":\"" + text + "\"}");
        assertThat(response.status()).as(response.text()).isEqualTo(202);
    }

    private int requests(List<String> paths) {
        return paths.stream().mapToInt(p -> receiver.requests(p).size()).sum();
    }

    @Test
    void two_accounts_whose_endpoints_hang_leave_a_third_accounts_delivery_prompt() {
        Sender a = newSender("hangs-a", EnumSet.of(ChannelType.IMESSAGE), Mode.TEST, Provider.SANDBOX);
        Sender c = newSender("hangs-c", EnumSet.of(ChannelType.IMESSAGE), Mode.TEST, Provider.SANDBOX);
        Sender b = newSender("healthy", EnumSet.of(ChannelType.IMESSAGE), Mode.TEST, Provider.SANDBOX);
        List<String> hung = List.of(hook(a.testKey()), hook(a.testKey()), hook(c.testKey()), hook(c.testKey()));
        String healthy = hook(b.testKey());
        hung.forEach(receiver::hold);
        for (int i = 0; i < CONVERSATIONS; i++) {
            sendFrom(a, to(Integer.toString(7100 + i)), "a" + i);
            sendFrom(c, to(Integer.toString(7200 + i)), "c" + i);
        }
        app.deliveryWorker().start();
        // the first wave: each hung account holds its cap, so every slot of the process hangs
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (requests(hung) < CONCURRENCY && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
        assertThat(requests(hung)).as("the first wave of hung attempts").isGreaterThanOrEqualTo(CONCURRENCY);
        // the jobs put back while it hangs come due (as they would in real time a few seconds on), all before b's
        // delivery: the hung accounts' backlog is ahead of it in the queue, as under a steady load
        clock.advance(Duration.ofSeconds(10));
        sendFrom(b, to("7004"), "for b");
        app.deliveryWorker().wake();

        assertThat(receiver.await(healthy, 1, PROMPTLY)).as("b's delivery within %s while a's and c's endpoints hang",
                PROMPTLY).isTrue();
        assertThat(Http.parse(receiver.requests(healthy).getFirst().body()).path("data").path("text").asText())
                .isEqualTo("for b");
        // after the first wave each hung endpoint has one attempt at a time, a wave each timeout, not a share of every
        // slot (here b's delivery came 1.4 s after it was sent, after 12 hung requests; with fixed caps, 10.8 s and all
        // 80 of them)
        long waves = PROMPTLY.dividedBy(TIMEOUT);
        assertThat(requests(hung)).as("hung attempts so far").isLessThanOrEqualTo(CONCURRENCY + (int) waves * hung.size());
    }
}
