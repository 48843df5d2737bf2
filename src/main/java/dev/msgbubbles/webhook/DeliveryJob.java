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
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one attempt of a delivery ({@code subject}: the delivery id, {@code payload}: its endpoint). A delivery's
 * first attempt runs in the lane of its endpoint and conversation, so an endpoint receives a conversation's events
 * in the order they happened; a retry leaves the lane (an endpoint failing one event for days must not hold up the
 * conversation's later events; consumers re-sort by the event's {@code cursor}).
 *
 * <p>Of the worker's attempts in flight in this process, at most {@code perEndpoint} go to one endpoint and at most
 * {@code perAccount} to the endpoints of one account and mode: endpoints that hang (each attempt holds its slot for
 * the whole timeout) cannot take every slot, neither one endpoint nor an account's many, and other accounts'
 * deliveries go on.
 *
 * <p>A job that finds no slot is put back, keeping its place in its lane. While the slots it wants are moving (a busy
 * endpoint answering), it first waits up to {@link #BUSY_WAIT} for one, however many jobs wait, and is put back for
 * {@link #PUT_BACK}. When none of their attempts has ended for {@link #BUSY_WAIT} the slots are stuck (attempts
 * that hang free them only at the timeout): it does not wait, so a hung endpoint's backlog holds none of the worker's
 * slots, and is put back for the attempt timeout, spread so that one stuck endpoint or account puts back at most
 * {@link #STUCK_PUT_BACKS} times its slots per timeout, however long its backlog. Put back every second after a
 * 250 ms wait each, a backlog of thousands of jobs at one hung endpoint cost some 750 writes (and as many claims) a
 * second, as fast as the worker's other 192 slots could take them, while those slots did nothing else; now at most 26
 * a second (64 slots, a 10 s timeout) and no worker slot beyond the claim and the write. A healthy endpoint is never
 * stuck, so none of this delays it; an endpoint that answers again takes its spread backlog as it comes due, at least
 * that fast (5,000 jobs within some 3 minutes).
 */
final class DeliveryJob implements JobHandler {
    static final String KIND = "webhook.deliver";
    private static final Duration BUSY_WAIT = Duration.ofMillis(250);
    /** When a job that found its endpoint busy runs again: later than the wait, so a busy endpoint's backlog costs
     * a few writes a second, not a write every wait. */
    private static final Duration PUT_BACK = Duration.ofSeconds(1);
    /** How many times its slots one stuck endpoint or account puts back per attempt timeout, at most. */
    static final int STUCK_PUT_BACKS = 4;

    private final Writes writes;
    private final Clock clock;
    private final JobQueue queue;
    private final Courier courier;
    private final int perEndpoint;
    private final int perAccount;
    /** When a job that found its slots stuck runs again, at the earliest: once the attempts holding them time out. */
    private final Duration stuckPutBack;
    private final ConcurrentHashMap<String, Slots> endpoints = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Courier.Owner, Slots> accounts = new ConcurrentHashMap<>();

    DeliveryJob(Writes writes, Clock clock, JobQueue queue, Courier courier, int perEndpoint, int perAccount,
                Duration timeout) {
        this.writes = writes;
        this.clock = clock;
        this.queue = queue;
        this.courier = courier;
        this.perEndpoint = perEndpoint;
        this.perAccount = perAccount;
        this.stuckPutBack = timeout.compareTo(PUT_BACK) > 0 ? timeout : PUT_BACK;
    }

    /**
     * The attempts in flight to one endpoint, or to one account's endpoints in one mode; when one last ended
     * ({@link System#nanoTime}: whether attempts hang is a matter of this process's real time, not of the injected
     * clock, which schedules jobs); where the next job put back for stuck slots goes (epoch milliseconds of the clock).
     */
    private static final class Slots {
        private final int size;
        private final Semaphore free;
        private final AtomicLong lastEnded = new AtomicLong(System.nanoTime());
        private final AtomicLong nextStuckPutBack = new AtomicLong(Long.MIN_VALUE);

        Slots(int slots) {
            this.size = slots;
            this.free = new Semaphore(slots);
        }

        /**
         * A slot now, or within {@link #BUSY_WAIT}: a fast endpoint frees slots within milliseconds (waiting is far
         * cheaper than a write to put the job back). No wait when the slots are {@link #stuck} (one that hangs frees
         * none so soon, and waiters would take the worker's slots, every other account's too, for nothing but a
         * put-back). While attempts keep ending, any number of jobs may wait: a fast endpoint's slots turn over many
         * times within the wait, and putting its surplus back for a second (as a cap of a quarter of the slots on the
         * waiters did) let its deliveries fall behind its events under the webhook benchmark: PostgreSQL's verified
         * webhooks/s 0.93 of the build before, by bench ab, with the backlog draining 1-1.5 s after the load instead
         * of 0.1-0.3 s.
         */
        boolean take() {
            if (free.tryAcquire()) {
                return true;
            }
            if (stuck()) {
                return false;
            }
            try {
                return free.tryAcquire(BUSY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** Whether no attempt holding these slots has ended for {@link #BUSY_WAIT}. */
        boolean stuck() {
            return System.nanoTime() - lastEnded.get() >= BUSY_WAIT.toNanos();
        }

        /**
         * When a job that found these slots busy runs again: after {@link #PUT_BACK} while they move; when stuck,
         * after {@code stuckPutBack}, and after the last job put back for them, a {@link #STUCK_PUT_BACKS}th of a
         * slot's share of it later.
         */
        Instant putBackAt(Instant now, Duration stuckPutBack) {
            if (!stuck()) {
                return now.plus(PUT_BACK);
            }
            long spacing = Math.max(1, stuckPutBack.toMillis() / ((long) STUCK_PUT_BACKS * size));
            long earliest = now.plus(stuckPutBack).toEpochMilli();
            return Instant.ofEpochMilli(nextStuckPutBack.accumulateAndGet(earliest, (last, e) -> Math.max(last, e)
                    + spacing) - spacing);
        }

        /** Gives back the slot of an attempt that has ended. */
        void ended() {
            lastEnded.set(System.nanoTime());
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
            putBack(job, id, endpoint, "endpoint busy");
            return;
        }
        // the owner comes from what prepare() read for the attempt (no query of its own); a delivery or endpoint that
        // is gone needs no slot of its account: the attempt only completes its job
        Slots account;
        try {
            account = courier.owner(id).map(o -> accounts.computeIfAbsent(o, x -> new Slots(perAccount))).orElse(null);
        } catch (RuntimeException e) {
            endpoint.unused(); // the store could not be read: the job is retried, and the endpoint keeps its slot
            throw e;
        }
        if (account != null && !account.take()) {
            endpoint.unused();
            putBack(job, id, account, "account's endpoints busy");
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

    /** Puts the job back, keeping its place in its lane, for as long as the {@code busy} slots say. */
    private void putBack(Job job, UUID id, Slots busy, String why) {
        courier.forget(id);
        Instant at = busy.putBackAt(clock.instant(), stuckPutBack);
        writes.writeVoid(tx -> queue.reschedule(tx, job, at, why));
    }
}
