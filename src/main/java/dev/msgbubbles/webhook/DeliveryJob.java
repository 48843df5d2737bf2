package dev.msgbubbles.webhook;

import dev.msgbubbles.db.Writes;
import dev.msgbubbles.queue.Job;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Runs one attempt of a delivery ({@code subject}: the delivery id, {@code payload}: its endpoint). A delivery's
 * first attempt runs in the lane of its endpoint and conversation, so an endpoint receives a conversation's events
 * in the order they happened; a retry leaves the lane (an endpoint failing one event for days must not hold up the
 * conversation's later events; consumers re-sort by the event's {@code cursor}).
 *
 * <p>Of the worker's attempts in flight in this process, at most {@code perEndpoint} go to one endpoint and at most
 * {@code perAccount} to the endpoints of one account and mode: endpoints that hang (each attempt holds its slot for
 * the whole timeout) cannot take every slot, neither one endpoint nor an account's many, and other accounts'
 * deliveries go on. A job that finds no slot within {@link #BUSY_WAIT} is put back for {@link #PUT_BACK}, keeping its
 * place in its lane.
 */
final class DeliveryJob implements JobHandler {
    static final String KIND = "webhook.deliver";
    private static final Duration BUSY_WAIT = Duration.ofMillis(250);
    /** When a job that found its endpoint busy runs again: later than the wait, so a busy endpoint's backlog costs
     * a few writes a second, not a write every wait. */
    private static final Duration PUT_BACK = Duration.ofSeconds(1);

    private final Writes writes;
    private final Clock clock;
    private final JobQueue queue;
    private final Courier courier;
    private final int perEndpoint;
    private final int perAccount;
    private final ConcurrentHashMap<String, Slots> endpoints = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Courier.Owner, Slots> accounts = new ConcurrentHashMap<>();

    DeliveryJob(Writes writes, Clock clock, JobQueue queue, Courier courier, int perEndpoint, int perAccount) {
        this.writes = writes;
        this.clock = clock;
        this.queue = queue;
        this.courier = courier;
        this.perEndpoint = perEndpoint;
        this.perAccount = perAccount;
    }

    /** The attempts in flight to one endpoint, or to one account's endpoints in one mode. */
    private static final class Slots {
        private final Semaphore free;

        Slots(int slots) {
            this.free = new Semaphore(slots);
        }

        /**
         * A slot, waiting up to {@link #BUSY_WAIT} for one: a fast endpoint frees slots within milliseconds (waiting
         * is far cheaper than a write to put the job back); one that hangs does not hold the job (and its worker slot)
         * for longer.
         */
        boolean take() {
            try {
                return free.tryAcquire(BUSY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** Gives back the slot of an attempt that has ended. */
        void ended() {
            free.release();
        }

        /** Gives back a slot taken for an attempt that was not made (its job is put back). */
        void unused() {
            free.release();
        }
    }

    /** The job of a delivery's first attempt, in its endpoint's lane for the conversation (or for events of none). */
    static JobQueue.NewJob first(Delivery d, UUID conversationId) {
        String lane = conversationId == null ? d.webhookId().toString() : d.webhookId() + "/" + conversationId;
        return new JobQueue.NewJob(KIND, d.id().toString(), lane, d.webhookId().toString(), d.createdAt());
    }

    /** The job of a retry (or a manual resend): outside any lane, due at {@code at}. */
    static JobQueue.NewJob retry(Delivery d, Instant at) {
        return new JobQueue.NewJob(KIND, d.id().toString(), null, d.webhookId().toString(), at);
    }

    /**
     * Whether {@code job} is a delivery's first attempt (the only kind in a lane): until it has run, nothing has changed
     * the delivery since the fan-out wrote it, so it may be taken from {@link NewDeliveries}; a retry or a resend reads
     * the row (an earlier attempt, perhaps by another process, changed it).
     */
    static boolean firstAttempt(Job job) {
        return job.lane() != null;
    }

    @Override
    public void prepare(java.util.List<Job> jobs) {
        java.util.List<UUID> first = new java.util.ArrayList<>();
        java.util.List<UUID> later = new java.util.ArrayList<>();
        for (Job job : jobs) {
            (firstAttempt(job) ? first : later).add(UUID.fromString(job.subject()));
        }
        courier.prefetch(first, later);
    }

    @Override
    public void handle(Job job, Instant now) {
        UUID id = UUID.fromString(job.subject());
        Slots endpoint = endpoints.computeIfAbsent(job.payload(), e -> new Slots(perEndpoint));
        if (!endpoint.take()) {
            putBack(job, id, "endpoint busy");
            return;
        }
        // the owner comes from what prepare() read for the attempt (no query of its own); a delivery or endpoint that
        // is gone needs no slot of its account: the attempt only completes its job
        Slots account = courier.owner(id).map(o -> accounts.computeIfAbsent(o, x -> new Slots(perAccount))).orElse(null);
        if (account != null && !account.take()) {
            endpoint.unused();
            putBack(job, id, "account's endpoints busy");
            return;
        }
        // the slots are given back as soon as the endpoint has answered, not after the commit
        courier.attempt(id, tx -> queue.complete(tx, job), () -> {
            endpoint.ended();
            if (account != null) {
                account.ended();
            }
        });
    }

    /** Puts the job back for {@link #PUT_BACK}, keeping its place in its lane. */
    private void putBack(Job job, UUID id, String why) {
        courier.forget(id);
        writes.writeVoid(tx -> queue.reschedule(tx, job, clock.instant().plus(PUT_BACK), why));
    }
}
