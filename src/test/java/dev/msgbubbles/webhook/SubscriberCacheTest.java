package dev.msgbubbles.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.common.Mode;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fan-out's copy of each account's endpoints: a change made through this process is seen by the next event. */
class SubscriberCacheTest {
    private final UUID account = UUID.randomUUID();
    private final WebhookStore.Subscriber registered = new WebhookStore.Subscriber(UUID.randomUUID(), null);

    @Test
    @Timeout(10)
    void an_endpoint_registered_while_its_accounts_endpoints_are_being_read_gets_the_next_events() throws Exception {
        // on PostgreSQL an event's transaction reads the endpoints in its own snapshot while a registration commits on
        // another connection: the copy it read, kept for a second after the registration's invalidation had run, made
        // every event of that second miss the endpoint its request had just been answered 201 for
        AtomicReference<List<WebhookStore.Subscriber>> stored = new AtomicReference<>(List.of());
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch committed = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        SubscriberCache cache = new SubscriberCache((h, accountId, mode) -> {
            List<WebhookStore.Subscriber> read = stored.get(); // the statement's snapshot, before the commit
            if (first.getAndSet(false)) {
                reading.countDown();
                await(committed);
            }
            return read;
        });

        try (var fanout = Executors.newSingleThreadExecutor()) {
            Future<List<WebhookStore.Subscriber>> before = fanout.submit(() -> cache.get(null, account, Mode.TEST));
            assertThat(reading.await(5, TimeUnit.SECONDS)).isTrue();
            stored.set(List.of(registered)); // the registration commits
            cache.invalidate(account, Mode.TEST); // and its after-commit hook runs
            committed.countDown();
            assertThat(before.get(5, TimeUnit.SECONDS)).as("that transaction read before the commit").isEmpty();
        }

        assertThat(cache.get(null, account, Mode.TEST)).containsExactly(registered);
    }

    @Test
    void a_copy_is_reused_until_a_change_invalidates_it() {
        AtomicReference<List<WebhookStore.Subscriber>> stored = new AtomicReference<>(List.of());
        SubscriberCache cache = new SubscriberCache((h, accountId, mode) -> stored.get());
        assertThat(cache.get(null, account, Mode.TEST)).isEmpty();

        stored.set(List.of(registered));
        assertThat(cache.get(null, account, Mode.TEST)).as("within the TTL, unchanged as far as it knows").isEmpty();
        cache.invalidate(account, Mode.TEST);
        assertThat(cache.get(null, account, Mode.TEST)).containsExactly(registered);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
