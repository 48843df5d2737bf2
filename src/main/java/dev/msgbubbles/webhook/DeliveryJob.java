package dev.msgbubbles.webhook;

import dev.msgbubbles.db.Writes;
import dev.msgbubbles.queue.Job;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Runs one attempt of a delivery ({@code subject}: the delivery id, {@code payload}: its endpoint). A delivery's
 * first attempt runs in the lane of its endpoint and conversation, so an endpoint receives a conversation's events
 * in the order they happened; a retry leaves the lane (an endpoint failing one event for days must not hold up the
 * conversation's later events; consumers re-sort by the event's {@code cursor}).
 *
 * <p>Of the worker's attempts in flight in this process, at most {@code perAccount} go to the endpoints of one
 * account and mode, and at most an endpoint's limit to one endpoint: {@code perEndpoint}, halved by each attempt that
 * hangs (no HTTP answer after half the timeout or more, {@link Slots.Ending#HUNG}) down to {@link #ENDPOINT_FLOOR},
 * and raised by one by each that ends in time (an answer however late, any status, or a quick failure), up to
 * {@code perEndpoint} again. A fixed cap alone let two accounts whose endpoints hang (each attempt holds its slot for
 * the whole timeout) hold every slot of the process, a new wave each timeout, while every other account's deliveries
 * waited; now an endpoint that hangs holds one slot within a timeout or so (a wave of timeouts halves its limit once
 * each), and an account's hung endpoints hold at most one each and never more than {@code perAccount} in all (50
 * endpoints a mode by default: 50 of 256). The account's cap does not adapt: one hung endpoint must not shrink the
 * slots of its account's healthy ones, and its endpoints' limits already bound what hangs. An endpoint that answers,
 * fast or slowly, never loses a slot: the benchmark's one fast endpoint keeps its 64. Across accounts, the attempts
 * of endpoints with a lowered limit share half of the process's slots ({@link Slots.Pool}): hundreds of hung
 * endpoints of many accounts, one slot each, would otherwise hold them all; endpoints at their full limit always have
 * the other half.
 *
 * <p>A job that finds no slot (its endpoint at its limit, or its account at its cap) is put back, keeping its place in
 * its lane. While the slots it wants are moving (a busy endpoint answering), it first waits up to
 * {@link Slots#BUSY_WAIT} for one, however many jobs wait, and is put back for {@link Slots#PUT_BACK}. When none of
 * their attempts has ended for {@link Slots#BUSY_WAIT} the slots are stuck (attempts that hang free them only at the
 * timeout): it does not wait, so a hung endpoint's backlog holds none of the worker's slots, and is put back for the
 * attempt timeout, spread so that one stuck endpoint or account puts back at most {@link Slots#STUCK_PUT_BACKS} times
 * its full number of slots per timeout, however long its backlog, whatever its lowered limit. Put back every second
 * after a 250 ms wait each, a backlog of thousands of jobs at one hung endpoint cost some 750 writes (and as many
 * claims) a second, as fast as the worker's other 192 slots could take them, while those slots did nothing else; now
 * at most 26 a second (64 slots, a 10 s timeout) and no worker slot beyond the claim and the write. A healthy endpoint
 * is never stuck, so none of this delays it; an endpoint that answers again takes its spread backlog as it comes due,
 * at least that fast (5,000 jobs within some 3 minutes), its limit rising by one with each answer.
 *
 * <p>The slots of endpoints and accounts with no attempt in flight are forgotten after a while ({@link SlotTable}):
 * everything here is in the memory of one process, and bounded by its recent work.
 */
final class DeliveryJob implements JobHandler {
    static final String KIND = "webhook.deliver";
    /** The fewest attempts in flight an endpoint's limit falls to: one, which finds out when it answers again. */
    static final int ENDPOINT_FLOOR = 1;
    /**
     * The share of the process's attempt slots that endpoints with a lowered limit may hold together (a half): one each
     * for some hundreds of hung endpoints would otherwise be every slot.
     */
    static final int LOWERED_SHARE_DIVISOR = 2;

    private final Writes writes;
    private final Clock clock;
    private final JobQueue queue;
    private final Courier courier;
    private final Duration timeout;
    /** When a job that found its slots stuck runs again, at the earliest: once the attempts holding them time out. */
    private final Duration stuckPutBack;
    private final SlotTable<String> endpoints;
    private final SlotTable<Courier.Owner> accounts;

    DeliveryJob(Writes writes, Clock clock, JobQueue queue, Courier courier, int concurrency, int perEndpoint,
                int perAccount, Duration timeout) {
        this.writes = writes;
        this.clock = clock;
        this.queue = queue;
        this.courier = courier;
        this.timeout = timeout;
        this.stuckPutBack = timeout.compareTo(Slots.PUT_BACK) > 0 ? timeout : Slots.PUT_BACK;
        this.endpoints = new SlotTable<>(perEndpoint, Math.min(ENDPOINT_FLOOR, perEndpoint), System::nanoTime,
                new Slots.Pool(Math.max(1, concurrency / LOWERED_SHARE_DIVISOR)));
        this.accounts = new SlotTable<>(perAccount, perAccount, System::nanoTime);
    }

    /**
     * How an attempt's hold on its slots ended: {@link Slots.Ending#HUNG} when no HTTP answer came and the request
     * held its slot for half the timeout or more (a timeout, a connect that timed out, a failure as slow), or when an
     * answer's body was still coming at the timeout (the status stands, see {@link HttpPoster}, but the endpoint held
     * the slot to the end as one that never answers does); any other answer, however late and whatever its status,
     * or a quick failure frees the slot in time.
     */
    static Slots.Ending ending(Optional<Courier.Sent> sent, Duration timeout) {
        if (sent.isEmpty()) {
            return Slots.Ending.NOT_SENT;
        }
        Duration took = sent.get().took();
        boolean hung = sent.get().answer() instanceof RetryPolicy.Answer.NoResponse
                ? took.multipliedBy(2).compareTo(timeout) >= 0
                : took.compareTo(timeout) >= 0;
        return hung ? Slots.Ending.HUNG : Slots.Ending.IN_TIME;
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
        SlotTable.Taken endpoint = endpoints.take(job.payload());
        if (!endpoint.taken()) {
            putBack(job, id, endpoint.slots(), "endpoint busy");
            return;
        }
        // the owner comes from what prepare() read for the attempt (no query of its own); a delivery or endpoint that
        // is gone needs no slot of its account: the attempt only completes its job
        Optional<Courier.Owner> owner;
        try {
            owner = courier.owner(id);
        } catch (RuntimeException e) {
            endpoint.slots().unused(); // the store could not be read: the job is retried, and the endpoint keeps its slot
            throw e;
        }
        Slots account = null;
        if (owner.isPresent()) {
            SlotTable.Taken taken = accounts.take(owner.get());
            if (!taken.taken()) {
                endpoint.slots().unused();
                putBack(job, id, taken.slots(), "account's endpoints busy");
                return;
            }
            account = taken.slots();
        }
        Slots accountSlots = account;
        // the slots are given back as soon as the endpoint has answered, not after the commit
        courier.attempt(id, tx -> queue.complete(tx, job), sent -> {
            Slots.Ending ending = ending(sent, timeout);
            endpoint.slots().ended(ending);
            if (accountSlots != null) {
                accountSlots.ended(ending); // its floor is its size: only the slot comes back
            }
        });
    }

    /**
     * Puts the job back, keeping its place in its lane, for as long as the {@code busy} slots say. No attempt was made:
     * the claim is given back ({@link JobQueue#putBack}), so a run of this job that throws later gets the worker's
     * backoff for the runs that tried, not for every put-back before. (The delivery log's attempt numbers and the
     * retry schedule never counted put-backs: they count the delivery's attempt rows, {@code deliveries.attempts}
     * and {@code retry_step}.)
     */
    private void putBack(Job job, UUID id, Slots busy, String why) {
        courier.forget(id);
        Instant at = busy.putBackAt(clock.instant(), stuckPutBack);
        writes.writeVoid(tx -> queue.putBack(tx, job, at, why));
    }
}
