package dev.msgbubbles.webhook;

import dev.msgbubbles.common.WireJson;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Writes;
import dev.msgbubbles.event.EventBody;
import dev.msgbubbles.queue.JobQueue;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one attempt of a pending delivery and records it: the SSRF check on the address the URL resolves to now,
 * the signed POST, the attempt row, the delivery's new state, a retry job when one is due, and the endpoint's count
 * of exhausted deliveries (three in a row disable it), all in one transaction with the caller's own step (the job
 * that asked for the attempt completes in it). A crash between the POST and that commit repeats the attempt:
 * delivery is at least once, and receivers deduplicate on {@code webhook-id}.
 *
 * <p>The check before the attempt turns a URL that no longer reaches a public address into a recorded drop; the
 * connection itself only goes to addresses the guard accepts when it connects (see {@link HttpPoster}).
 */
final class Courier {
    private static final Logger LOG = LoggerFactory.getLogger(Courier.class);
    /** Deliveries in a row that used up their retries before their endpoint is disabled (DECISIONS §8). */
    static final int EXHAUSTED_LIMIT = 3;

    private final Database db;
    private final Writes writes;
    private final Clock clock;
    private final UrlGuard guard;
    private final RetryPolicy policy;
    private final HttpPoster poster;
    private final JobQueue queue;
    private final DeliveryMetrics metrics;
    private final SubscriberCache subscribers;
    private final NewDeliveries handoff;
    private final WebhookStore webhooks = new WebhookStore();
    private final DeliveryStore deliveries = new DeliveryStore();

    /** What {@link #prefetch} read for a delivery: its row and event, and its endpoint (either may be gone). */
    private record Prefetched(Optional<DeliveryStore.Loaded> loaded, Optional<Webhook> webhook) {
    }

    private final java.util.concurrent.ConcurrentHashMap<UUID, Prefetched> prefetched = new java.util.concurrent.ConcurrentHashMap<>();

    /** Reads through {@code db}; records outcomes through {@code writes} (group commit in the server). */
    Courier(Database db, Writes writes, Clock clock, UrlGuard guard, RetryPolicy policy, HttpPoster poster,
            JobQueue queue, DeliveryMetrics metrics, SubscriberCache subscribers, NewDeliveries handoff) {
        this.subscribers = subscribers;
        this.handoff = handoff;
        this.db = db;
        this.writes = writes;
        this.clock = clock;
        this.guard = guard;
        this.policy = policy;
        this.poster = poster;
        this.queue = queue;
        this.metrics = metrics;
    }

    /**
     * Attempts delivery {@code id} if it is pending, and records the outcome together with {@code alsoInTx}, which
     * runs in every case (nothing to do included). A test ping (a delivery with its own payload) gets one attempt,
     * goes out even to a disabled endpoint (to check it before enabling it again) and never counts towards
     * disabling it.
     */
    void attempt(UUID id, Consumer<Handle> alsoInTx) {
        attempt(id, alsoInTx, sent -> { });
    }

    /** A request that went out: what came of it, and how long it took (connecting included). */
    record Sent(RetryPolicy.Answer answer, Duration took) {
    }

    /**
     * {@link #attempt(UUID, Consumer)}, telling {@code answered} as soon as the endpoint has answered (or the attempt
     * ended without a request: empty): the caller's hold on the endpoint ends there, not after the record commits.
     */
    void attempt(UUID id, Consumer<Handle> alsoInTx, Consumer<Optional<Sent>> answered) {
        Once once = new Once(answered);
        try {
            attempt(id, alsoInTx, once);
        } finally {
            once.accept(Optional.empty()); // a no-op when it ran already
        }
    }

    /** Passes on the first value only. */
    private static final class Once implements Consumer<Optional<Sent>> {
        private final java.util.concurrent.atomic.AtomicReference<Consumer<Optional<Sent>>> task;

        Once(Consumer<Optional<Sent>> task) {
            this.task = new java.util.concurrent.atomic.AtomicReference<>(task);
        }

        @Override
        public void accept(Optional<Sent> sent) {
            Consumer<Optional<Sent>> t = task.getAndSet(null);
            if (t != null) {
                t.accept(sent);
            }
        }
    }

    private void attempt(UUID id, Consumer<Handle> alsoInTx, Once answered) {
        Prefetched read = prefetched.remove(id);
        if (read == null) {
            read = read(id);
        }
        Optional<DeliveryStore.Loaded> loaded = read.loaded();
        Optional<Webhook> webhook = read.webhook();
        if (loaded.isEmpty() || webhook.isEmpty() || loaded.get().delivery().status() != DeliveryStatus.PENDING) {
            // its endpoint was removed (the delivery goes with the rest of its log: EndpointRemoval, which alone
            // removes them, so that two removals never lock its rows in opposite orders), or it is settled already
            // (a repeated job)
            writes.writeVoid(alsoInTx::accept);
            return;
        }
        Delivery d = loaded.get().delivery();
        Webhook w = webhook.get();
        boolean retries = d.payload() == null;
        if (!w.enabled() && retries) {
            drop(d, null, "not sent: the endpoint is disabled", alsoInTx);
            return;
        }
        if (retries && !w.takes(d.eventType())) {
            // its type was taken out of the endpoint's events after the delivery was queued: what the endpoint takes
            // now decides, as for an endpoint disabled meanwhile
            drop(d, null, "not sent: the endpoint no longer takes " + d.eventType() + " events", alsoInTx);
            return;
        }
        Optional<String> body = d.payload() != null ? Optional.of(d.payload())
                : loaded.get().event().map(e -> WireJson.write(EventBody.of(e)));
        if (body.isEmpty()) {
            drop(d, null, "not sent: the event is no longer stored", alsoInTx);
            return;
        }
        Instant at = clock.instant();
        // a host that does not resolve now (UrlGuard.Verdict.Unresolved) goes on to the attempt, whose connection then
        // fails (it resolves again, through the guard) and is retried: only an answer that is not public drops it
        if (guard.check(w.url()) instanceof UrlGuard.Verdict.Refused refused) {
            drop(d, new Attempt(d.id(), d.attempts() + 1, at, null, 0, "not sent: " + refused.reason(), null),
                    "not sent: " + refused.reason(), alsoInTx);
            return;
        }
        Map<String, String> headers = Signer.headers(d.eventId(), at, body.get(), Signer.secretsInForce(w, at));
        long started = System.nanoTime();
        RetryPolicy.Answer answer = poster.post(URI.create(w.url()), headers, body.get());
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        answered.accept(Optional.of(new Sent(answer, took)));
        metrics.latency(took);
        RetryPolicy.Verdict verdict = policy.judge(answer, d.retryStep(), retries, clock.instant(),
                () -> ThreadLocalRandom.current().nextDouble());
        Integer status = answer instanceof RetryPolicy.Answer.Response r ? r.status() : null;
        String excerpt = answer instanceof RetryPolicy.Answer.Response r ? r.excerpt() : null;
        String error = switch (verdict) {
            case RetryPolicy.Verdict.Succeeded s -> null;
            case RetryPolicy.Verdict.Retry r -> r.error();
            case RetryPolicy.Verdict.Failed f -> f.error();
        };
        Attempt attempt = new Attempt(d.id(), d.attempts() + 1, at, status, took.toMillis(), error, excerpt);
        Instant now = clock.instant();
        writes.writeVoid(tx -> {
            deliveries.insertAttempt(tx, attempt);
            switch (verdict) {
                case RetryPolicy.Verdict.Succeeded s -> {
                    deliveries.settle(tx, settled(d, attempt, DeliveryStatus.SUCCEEDED, d.retryStep(), null, now));
                    webhooks.resetExhausted(tx, w.id());
                }
                case RetryPolicy.Verdict.Retry r -> {
                    Instant next = now.plus(r.delay());
                    deliveries.settle(tx, settled(d, attempt, DeliveryStatus.PENDING, d.retryStep() + 1, next, now));
                    queue.enqueue(tx, DeliveryJob.retry(d, next), now);
                }
                case RetryPolicy.Verdict.Failed f -> {
                    deliveries.settle(tx, settled(d, attempt, DeliveryStatus.FAILED, d.retryStep(), null, now));
                    if (f.exhausted() && webhooks.exhausted(tx, w.id(), EXHAUSTED_LIMIT,
                            EXHAUSTED_LIMIT + " deliveries in a row used up every retry", now)) {
                        LOG.warn("webhook {} disabled: {} deliveries in a row used up their retries", w.id(), EXHAUSTED_LIMIT);
                        // keyed by the endpoint: a group commit may disable several, of several accounts, in one
                        // transaction, and a hook runs once per key
                        Database.afterCommit(tx, "webhook disabled " + w.id(),
                                () -> subscribers.invalidate(w.accountId(), w.mode()));
                    } else if (!f.exhausted() && retries) {
                        // a final answer (a 4xx, a redirect) ends a delivery without using up its retries, so it
                        // breaks the row: only three exhausted deliveries in a row disable (a test ping never counts)
                        webhooks.resetExhausted(tx, w.id());
                    }
                }
            }
            alsoInTx.accept(tx);
        });
        metrics.outcome(switch (verdict) {
            case RetryPolicy.Verdict.Succeeded s -> DeliveryMetrics.Outcome.SUCCEEDED;
            case RetryPolicy.Verdict.Retry r -> DeliveryMetrics.Outcome.RETRYING;
            case RetryPolicy.Verdict.Failed f -> DeliveryMetrics.Outcome.FAILED;
        });
    }

    /**
     * Reads the deliveries about to be attempted, with their events and endpoints, in two queries instead of two
     * each: {@link #attempt} takes what was read (a delivery settled since is still guarded by its status). Deliveries
     * this process's fan-out wrote come from the {@link NewDeliveries} handoff instead; their endpoints are read all
     * the same. Only a first attempt takes from it ({@code firstAttempts}): nothing has changed a delivery before
     * that has run, while a later attempt follows one that may have been made by another process.
     */
    void prefetch(java.util.List<UUID> firstAttempts, java.util.List<UUID> laterAttempts) {
        java.util.Map<UUID, DeliveryStore.Loaded> handed = new java.util.HashMap<>();
        java.util.List<UUID> unknown = new java.util.ArrayList<>(laterAttempts);
        for (UUID id : laterAttempts) {
            handoff.take(id); // an entry left by a first attempt made elsewhere: out of date, and never of use
        }
        for (UUID id : firstAttempts) {
            DeliveryStore.Loaded l = handoff.take(id);
            if (l != null) {
                handed.put(id, l);
            } else {
                unknown.add(id);
            }
        }
        java.util.List<UUID> ids = new java.util.ArrayList<>(firstAttempts);
        ids.addAll(laterAttempts);
        db.read(h -> {
            java.util.Map<UUID, DeliveryStore.Loaded> loaded = unknown.isEmpty() ? new java.util.HashMap<>()
                    : deliveries.loadAll(h, unknown);
            loaded.putAll(handed);
            java.util.Map<UUID, Optional<Webhook>> endpoints = new java.util.HashMap<>();
            for (UUID id : ids) {
                Optional<DeliveryStore.Loaded> l = Optional.ofNullable(loaded.get(id));
                Optional<Webhook> w = l.flatMap(x -> endpoints.computeIfAbsent(x.delivery().webhookId(),
                        webhookId -> webhooks.byId(h, webhookId)));
                prefetched.put(id, new Prefetched(l, w));
            }
            return null;
        });
    }

    /** The account and mode that own an endpoint: what {@link DeliveryJob} bounds the attempts in flight of. */
    record Owner(UUID accountId, dev.msgbubbles.common.Mode mode) {
    }

    /**
     * Who owns the endpoint of delivery {@code id}, from what {@link #prefetch} read; when it read nothing for it (its
     * read failed), read now what {@link #attempt} would have read itself, and kept for it. Empty when the delivery or
     * its endpoint is gone (the attempt then only completes its job).
     */
    Optional<Owner> owner(UUID id) {
        Prefetched read = prefetched.get(id);
        if (read == null) { // read outside the map's lock; one job at a time is about a delivery
            read = read(id);
            prefetched.put(id, read);
        }
        return read.webhook().map(w -> new Owner(w.accountId(), w.mode()));
    }

    /** Delivery {@code id} with its event, and its endpoint, as {@link #prefetch} reads them for many. */
    private Prefetched read(UUID id) {
        Optional<DeliveryStore.Loaded> one = db.read(h -> deliveries.load(h, id));
        return new Prefetched(one, one.flatMap(l -> db.read(h -> webhooks.byId(h, l.delivery().webhookId()))));
    }

    /** Drops what {@link #prefetch} read for a delivery that will not be attempted now. */
    void forget(UUID id) {
        prefetched.remove(id);
    }

    /** Settles as dropped without an HTTP answer, recording {@code attempt} if one was made (a refused address). */
    private void drop(Delivery d, Attempt attempt, String error, Consumer<Handle> alsoInTx) {
        Instant now = clock.instant();
        writes.writeVoid(tx -> {
            if (attempt != null) {
                deliveries.insertAttempt(tx, attempt);
            }
            deliveries.settle(tx, d.after(DeliveryStatus.DROPPED, d.attempts() + (attempt == null ? 0 : 1),
                    d.retryStep(), null, null, error, now));
            alsoInTx.accept(tx);
        });
        metrics.outcome(DeliveryMetrics.Outcome.DROPPED);
    }

    private static Delivery settled(Delivery d, Attempt attempt, DeliveryStatus status, int step, Instant next,
                                    Instant now) {
        return d.after(status, attempt.number(), step, next, attempt.statusCode(), attempt.error(), now);
    }
}
