package dev.msgbubbles.webhook;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The attempts in flight to one endpoint, or to one account's endpoints in one mode (see {@link DeliveryJob}), and
 * how many may be: {@code limit}, from {@code size} down to {@code floor}. An attempt that hung (see {@link Ending})
 * halves it, one that ended in time raises it by one, up to {@code size}: an endpoint that hangs is soon down to
 * {@code floor} attempts each timeout, and one that answers again gets its slots back one answer at a time (as fast
 * as its answers come). With {@code floor} equal to {@code size} the limit never moves (an account's).
 *
 * <p>Times are of {@code nanos} ({@link System#nanoTime} in the server): whether attempts hang is a matter of this
 * process's real time, not of the injected clock, which schedules jobs. Where the next job put back for stuck slots
 * goes is in epoch milliseconds of that clock.
 *
 * <p>Once {@link #retireIfIdle} has retired them (their {@link SlotTable} forgets them), the slots give none: a
 * caller that still held them looks them up again. They are retired only with no attempt in flight and none waiting,
 * under this lock, so no slot is ever given by both the retired and the new ones.
 */
final class Slots {
    /** How long a job waits for a busy endpoint's slot; also how long without an ending makes slots stuck. */
    static final Duration BUSY_WAIT = Duration.ofMillis(250);
    /** When a job that found its endpoint busy runs again: later than the wait, so a busy endpoint's backlog costs
     * a few writes a second, not a write every wait. */
    static final Duration PUT_BACK = Duration.ofSeconds(1);
    /** How many times its slots stuck slots put back per attempt timeout, at most. */
    static final int STUCK_PUT_BACKS = 4;

    /** How an attempt holding a slot ended, as far as the limit cares. */
    enum Ending {
        /** The endpoint answered, or failed at once (refused, reset): the slot came back before half the timeout,
         * or with an HTTP answer however late (a slow endpoint that answers is not hung). Raises the limit by one. */
        IN_TIME,
        /** No HTTP answer, and the slot was held for at least half the timeout (a timeout, a slow connect or a
         * slow failure): the endpoint holds slots without answering. Halves the limit, down to the floor. */
        HUNG,
        /** No request went out (the delivery was settled or dropped without one): leaves the limit as it is. */
        NOT_SENT
    }

    /** What {@link #take} found. */
    enum Take {
        TAKEN,
        /** Every slot the limit allows is in flight, and none came free within the wait (or the slots are stuck). */
        BUSY,
        /** These slots are retired: look the key's up again. */
        RETIRED
    }

    private final int size;
    private final int floor;
    private final LongSupplier nanos;
    /** Shared by every endpoint of the process: the slots endpoints with a lowered limit may hold; null for none. */
    private final Pool lowered;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    // all guarded by lock
    private int limit;
    private int inFlight;
    private int waiting;
    /** How many of the attempts in flight hold a slot of {@link #lowered}: at most {@code inFlight}. */
    private int poolHeld;
    private boolean retired;
    private long lastEnded;
    private long lastUsed;
    private long nextStuckPutBack = Long.MIN_VALUE;

    Slots(int size, int floor, LongSupplier nanos) {
        this(size, floor, nanos, null);
    }

    /** As {@link #Slots(int, int, LongSupplier)}, attempts made with a lowered limit also taking a slot of {@code lowered}. */
    Slots(int size, int floor, LongSupplier nanos, Pool lowered) {
        if (floor < 1 || floor > size) {
            throw new IllegalArgumentException("the floor is from 1 to the size");
        }
        this.size = size;
        this.floor = floor;
        this.nanos = nanos;
        this.lowered = lowered;
        this.limit = size;
        this.lastEnded = nanos.getAsLong();
        this.lastUsed = lastEnded;
    }

    /**
     * A slot now, or within {@link #BUSY_WAIT}: a fast endpoint frees slots within milliseconds (waiting is far
     * cheaper than a write to put the job back). No wait when the slots are stuck (none of their attempts has ended
     * for {@link #BUSY_WAIT}: one that hangs frees none so soon, and waiters would take the worker's slots, every
     * other account's too, for nothing but a put-back). While attempts keep ending, any number of jobs may wait: a
     * fast endpoint's slots turn over many times within the wait, and putting its surplus back for a second (as a cap
     * of a quarter of the slots on the waiters did) let its deliveries fall behind its events under the webhook
     * benchmark: PostgreSQL's verified webhooks/s 0.93 of the build before, by bench ab, with the backlog draining
     * 1-1.5 s after the load instead of 0.1-0.3 s.
     */
    Take take() {
        lock.lock();
        try {
            if (retired) {
                return Take.RETIRED;
            }
            long now = nanos.getAsLong();
            lastUsed = now;
            if (inFlight < limit) {
                return admit();
            }
            if (stuck(now)) {
                return Take.BUSY;
            }
            long left = BUSY_WAIT.toNanos();
            waiting++;
            try {
                while (inFlight >= limit) {
                    if (left <= 0) {
                        return Take.BUSY;
                    }
                    left = freed.awaitNanos(left);
                }
                return admit();
            } finally {
                waiting--;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Take.BUSY;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The attempt goes, one slot below the limit being free: with a lowered limit only if the process's {@link Pool}
     * has a slot too, which it then holds (otherwise busy at once: the pool frees as other endpoints' attempts end,
     * which nobody here is told of).
     */
    private Take admit() {
        if (lowered != null && limit < size) {
            if (!lowered.tryTake()) {
                return Take.BUSY;
            }
            poolHeld++;
        }
        inFlight++;
        return Take.TAKEN;
    }

    /** After an attempt's end: the pool's slots this endpoint holds are never more than its attempts in flight. */
    private void givePoolSlot() {
        if (poolHeld > inFlight) {
            poolHeld--;
            lowered.give();
        }
    }

    private boolean stuck(long now) {
        return now - lastEnded >= BUSY_WAIT.toNanos();
    }

    /**
     * When a job that found these slots busy runs again: after {@link #PUT_BACK} while they move; when stuck, after
     * {@code stuckPutBack}, and after the last job put back for them, a {@link #STUCK_PUT_BACKS}th of a slot's share
     * of it later. The share is of the {@code size}, not of a lowered limit: an endpoint that answers again takes its
     * spread backlog as fast as before (and raises its limit as it does).
     */
    Instant putBackAt(Instant now, Duration stuckPutBack) {
        lock.lock();
        try {
            if (!stuck(nanos.getAsLong())) {
                return now.plus(PUT_BACK);
            }
            long spacing = Math.max(1, stuckPutBack.toMillis() / ((long) STUCK_PUT_BACKS * size));
            long earliest = now.plus(stuckPutBack).toEpochMilli();
            long at = Math.max(nextStuckPutBack, earliest);
            nextStuckPutBack = at + spacing;
            return Instant.ofEpochMilli(at);
        } finally {
            lock.unlock();
        }
    }

    /** Gives back the slot of an attempt that has ended, and moves the limit as {@code ending} says. */
    void ended(Ending ending) {
        lock.lock();
        try {
            long now = nanos.getAsLong();
            lastEnded = now;
            lastUsed = now;
            inFlight--;
            givePoolSlot();
            limit = switch (ending) {
                case IN_TIME -> Math.min(size, limit + 1);
                case HUNG -> Math.max(floor, limit / 2);
                case NOT_SENT -> limit;
            };
            signalFree();
        } finally {
            lock.unlock();
        }
    }

    /** Gives back a slot taken for an attempt that was not made (its job is put back). */
    void unused() {
        lock.lock();
        try {
            inFlight--;
            givePoolSlot();
            signalFree();
        } finally {
            lock.unlock();
        }
    }

    private void signalFree() {
        for (int n = Math.min(waiting, limit - inFlight); n > 0; n--) {
            freed.signal();
        }
    }

    /**
     * Retires these slots when nothing is in flight or waiting and they have not been used for {@code full} (their
     * limit is the full size: nothing learnt) or {@code lowered} (a lowered limit is kept longer, so an endpoint that
     * hung does not get every slot back with its next retry); whether they were retired.
     */
    boolean retireIfIdle(long full, long lowered) {
        lock.lock();
        try {
            long idle = nanos.getAsLong() - lastUsed;
            if (inFlight == 0 && waiting == 0 && idle >= (limit == size ? full : lowered)) {
                retired = true;
            }
            return retired;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The slots that endpoints with a lowered limit may hold, all of a process's endpoints together: an endpoint's limit
     * falls to one when it hangs, but some hundreds of hung endpoints (of many accounts, each within its account's cap)
     * would still hold every slot of the process, one each. With the pool, those attempts take at most its
     * {@code cap}, and endpoints at their full limit (every endpoint that answers) always have the rest.
     */
    static final class Pool {
        private final int cap;
        private final java.util.concurrent.Semaphore free;

        Pool(int cap) {
            if (cap < 1) {
                throw new IllegalArgumentException("a pool has at least one slot");
            }
            this.cap = cap;
            this.free = new java.util.concurrent.Semaphore(cap);
        }

        boolean tryTake() {
            return free.tryAcquire();
        }

        void give() {
            free.release();
        }

        /** How many of its slots are held now. */
        int held() {
            return cap - free.availablePermits();
        }
    }

    /** How many attempts may be in flight now. */
    int limit() {
        lock.lock();
        try {
            return limit;
        } finally {
            lock.unlock();
        }
    }

    /** How many attempts are in flight now. */
    int inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }
}
