package dev.msgbubbles.queue;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.StoreUnavailable;
import dev.msgbubbles.db.Writes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims due jobs and runs their handlers, each on its own virtual thread. {@link #runOnce} is one round and
 * is what tests call (with a manual clock, nothing waits); {@link #start} runs rounds in the background until
 * {@link #close}, sleeping between empty rounds up to {@code idle} or until {@link #wake} is called.
 */
public final class Worker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    /** How long a flow waits for more free slots when only a few are free. */
    private static final Duration GATHER = Duration.ofMillis(2);

    /**
     * Tuning: jobs per claim, lease length, longest idle sleep, and how the background runs: with {@code inFlight}
     * 0 in rounds (claim a batch, run it to the end, claim the next: the cheapest way through many short jobs),
     * otherwise as a flow of at most {@code inFlight} jobs at once, claiming again as soon as any finishes, so one
     * slow job (a customer endpoint taking its time) never holds up the others.
     */
    public record Settings(int batch, Duration lease, Duration idle, int inFlight) {
        public Settings(int batch, Duration lease, Duration idle) {
            this(batch, lease, idle, 0);
        }
    }

    private final Database db;
    /** Where claims are written; see {@link #Worker(Database, Writes, JobQueue, Map, Clock, Settings)}. */
    private final Writes claims;
    private final JobQueue queue;
    private final Map<String, JobHandler> handlers;
    private final Clock clock;
    private final Settings settings;
    private final String owner = "worker-" + UUID.randomUUID();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean running;
    private final List<Thread> loops = new java.util.concurrent.CopyOnWriteArrayList<>();
    /**
     * Background loops, each claiming and running rounds: while one round waits for its last jobs to commit, the
     * other claims the next, so the store's writer is not left idle between rounds. Claims never overlap (leases,
     * and SKIP LOCKED on PostgreSQL), and a lane's next job is not claimable while its predecessor exists.
     */
    static final int LOOPS = 2;
    /** How often a run's release that the store did not take is tried again (see {@link #release}). */
    static final Duration RELEASE_RETRY = Duration.ofMillis(250);

    /** A worker that claims in transactions of its own. */
    public Worker(Database db, JobQueue queue, Map<String, JobHandler> handlers, Clock clock, Settings settings) {
        this(db, db, queue, handlers, clock, settings);
    }

    /**
     * A worker that claims through {@code claims}, e.g. the group commit, where a claim shares the transaction of
     * whatever else is being written. On SQLite that matters: the store has one write connection, and a claim in a
     * transaction of its own held it while the group commit's writer waited for it (a fifth of the writer's time
     * under the send load, in async-profiler's wall-clock samples). A claim is plain work on its handle: it never
     * throws for an empty queue, and its leases count from the commit that returns the jobs.
     */
    public Worker(Database db, Writes claims, JobQueue queue, Map<String, JobHandler> handlers, Clock clock,
                  Settings settings) {
        this.db = db;
        this.claims = claims;
        this.queue = queue;
        this.handlers = Map.copyOf(handlers);
        this.clock = clock;
        this.settings = settings;
    }

    /** Claims one batch and runs it to the end; returns how many jobs ran. */
    public int runOnce() {
        Claimed claimed = claim(settings.batch());
        List<Job> jobs = claimed.jobs();
        Instant now = claimed.at();
        if (jobs.isEmpty()) {
            return 0;
        }
        prepare(jobs);
        List<Future<?>> running = new ArrayList<>(jobs.size());
        for (Job job : jobs) {
            running.add(executor.submit(() -> run(job, now)));
        }
        for (Future<?> future : running) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return jobs.size();
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.error("job runner failed", e.getCause());
            }
        }
        return jobs.size();
    }

    /** Jobs claimed, and the time the claim took them at (their leases count from it; their handlers get it). */
    private record Claimed(List<Job> jobs, Instant at) {
    }

    /**
     * Claims up to {@code limit} jobs, reading the clock inside the claiming transaction, not before asking for it: a
     * claim can wait for the store (SQLite's write lock while another process holds it, a free connection, the group
     * commit's turn), and a time read before that wait gave leases that ended that much early (already over when the
     * wait outlasted the lease, so another worker took the job again beside this one) and a "now" for the handler,
     * e.g. a send's recorded time, from before the job could be claimed at all (before the previous message of its
     * thread had gone out, seen with two processes on one SQLite store).
     */
    private Claimed claim(int limit) {
        return claims.write(tx -> {
            Instant now = clock.instant();
            return new Claimed(queue.claim(tx, owner, limit, now, settings.lease()), now);
        });
    }

    private void prepare(List<Job> jobs) {
        Map<String, List<Job>> byKind = new java.util.HashMap<>();
        for (Job job : jobs) {
            byKind.computeIfAbsent(job.kind(), kind -> new ArrayList<>()).add(job);
        }
        byKind.forEach((kind, batch) -> {
            JobHandler handler = handlers.get(kind);
            if (handler != null) {
                try {
                    handler.prepare(batch);
                } catch (StoreUnavailable e) {
                    LOG.warn("preparing {} {} jobs: {}; each reads for itself", batch.size(), kind, e.getMessage());
                } catch (RuntimeException e) {
                    LOG.warn("preparing {} {} jobs failed; each reads for itself", batch.size(), kind, e);
                }
            }
        });
    }

    /** Runs rounds until no job is due now (tests: drain everything the current clock allows). */
    public int drain() {
        int total = 0;
        int ran;
        while ((ran = runOnce()) > 0) {
            total += ran;
        }
        return total;
    }

    private void run(Job job, Instant now) {
        JobHandler handler = handlers.get(job.kind());
        try {
            if (handler == null) {
                throw new IllegalStateException("no handler for job kind " + job.kind());
            }
            handler.handle(job, now);
        } catch (RuntimeException e) {
            // an outage (the store could not take the job's writes: nothing of them was written) is not the job's
            // fault: it is never settled for it, and it is one line, no stack trace
            boolean outage = e instanceof StoreUnavailable;
            if (!outage && settled(handler, job, e, now)) {
                return;
            }
            // an outage before the run tried the job's work (its handler says) was no attempt: the claim is given back,
            // and the backoff counts the tries before it
            boolean untried = outage && handler != null && !triedBefore(handler, job, (StoreUnavailable) e);
            Duration backoff = backoff(untried ? job.attempts() - 1 : job.attempts());
            if (outage) {
                LOG.warn("job {} ({} {}) on attempt {}: {}; retrying in {}", job.seq(), job.kind(), job.subject(),
                        job.attempts(), e.getMessage(), backoff);
            } else {
                LOG.warn("job {} ({} {}) failed on attempt {}; retrying in {}", job.seq(), job.kind(), job.subject(),
                        job.attempts(), backoff, e);
            }
            // the payload as the handler wants it for the retry (null when there is none to ask)
            String payload = handler == null ? job.payload() : handler.payloadForRetry(job);
            release(job, backoff, e.toString(), !untried, payload, now.plus(settings.lease().dividedBy(2)));
        }
    }

    /**
     * Writes the release of a run that threw, due after {@code backoff}. While the store does not take it (an outage,
     * a full disk: the very thing the run may have met), it tries again every {@link #RELEASE_RETRY}, as long as the
     * worker runs and until {@code until}, the middle of the job's lease: a job whose release was never written runs
     * again only when its lease ends (60 s by default), so a store back after a second would otherwise hold up every
     * job that was running when it went away for the rest of a minute. This keeps nothing only in memory: the lease
     * keeps the job from every other worker meanwhile, and brings it back as before if the tries give up. They stop
     * halfway through the lease so that the last one, which may wait {@code MSGBUBBLES_DATABASE_WAIT_MS} (5 s by
     * default) for a connection, is over before the lease ends and another worker may take the job.
     */
    private void release(Job job, Duration backoff, String note, boolean tried, String payload, Instant until) {
        boolean failedBefore = false;
        while (true) {
            try {
                db.writeVoid(tx -> queue.release(tx, job, clock.instant().plus(backoff), note, tried, payload));
                if (failedBefore) {
                    LOG.info("rescheduled job {} now that the store takes it", job.seq());
                }
                return;
            } catch (StoreUnavailable again) {
                boolean tryAgain = running && clock.instant().plus(RELEASE_RETRY).isBefore(until);
                if (!failedBefore || !tryAgain) {
                    LOG.warn("could not reschedule job {}: {}; {}", job.seq(), again.getMessage(), tryAgain
                            ? "trying again every " + RELEASE_RETRY.toMillis() + " ms until " + until
                            : "it runs again when its lease ends");
                }
                if (!tryAgain) {
                    return;
                }
                failedBefore = true;
                LockSupport.parkNanos(RELEASE_RETRY.toNanos());
            } catch (RuntimeException again) {
                LOG.error("could not reschedule job {}; it runs again when its lease ends", job.seq(), again);
                return;
            }
        }
    }

    /** {@link JobHandler#triedBefore}; a handler that fails to answer is taken to have tried (the run counts). */
    private static boolean triedBefore(JobHandler handler, Job job, StoreUnavailable outage) {
        try {
            return handler.triedBefore(job, outage);
        } catch (RuntimeException again) {
            LOG.error("asking whether job {} was tried failed; its run counts", job.seq(), again);
            return true;
        }
    }

    /** Whether the handler settled a job whose run threw (a failure to settle is logged and the job retried). */
    private static boolean settled(JobHandler handler, Job job, RuntimeException failure, Instant now) {
        if (handler == null) {
            return false;
        }
        try {
            boolean settled = handler.settleAfterFailure(job, failure, now);
            if (settled) {
                LOG.error("job {} ({} {}) kept failing; its handler settled it", job.seq(), job.kind(), job.subject(), failure);
            }
            return settled;
        } catch (RuntimeException again) {
            LOG.error("settling failed job {} failed too; retrying it", job.seq(), again);
            return false;
        }
    }

    static Duration backoff(int attempts) {
        long seconds = 1L << Math.min(Math.max(attempts - 1, 0), 20);
        return seconds > MAX_BACKOFF.toSeconds() ? MAX_BACKOFF : Duration.ofSeconds(seconds);
    }

    /** Starts the background loops on virtual threads. */
    public void start() {
        running = true;
        if (settings.inFlight() > 0) {
            loops.add(Thread.ofVirtual().name("job-flow").start(this::flow));
            return;
        }
        for (int i = 0; i < LOOPS; i++) {
            loops.add(Thread.ofVirtual().name("job-worker-" + i).start(this::loop));
        }
    }

    /** Asks idle loops to look for work now (after a local enqueue commits). */
    public void wake() {
        for (Thread loop : loops) {
            LockSupport.unpark(loop);
        }
    }

    private void loop() {
        while (running) {
            try {
                if (runOnce() == 0) {
                    LockSupport.parkNanos(idleNanos());
                }
            } catch (StoreUnavailable e) {
                LOG.warn("worker round: {}; retrying", e.getMessage());
                LockSupport.parkNanos(settings.idle().toNanos());
            } catch (RuntimeException e) {
                LOG.error("worker round failed; retrying", e);
                LockSupport.parkNanos(settings.idle().toNanos());
            }
        }
    }

    /** The background of a flow worker: keeps up to {@code inFlight} jobs running, claiming as slots free up. */
    private void flow() {
        Semaphore free = new Semaphore(settings.inFlight());
        Thread self = Thread.currentThread();
        while (running) {
            int slots = 0;
            try {
                if (!free.tryAcquire(settings.idle().toNanos(), TimeUnit.NANOSECONDS)) {
                    continue; // every slot busy: look again (and at running) after a while
                }
                slots = 1 + free.drainPermits();
                if (slots < Math.min(settings.batch(), settings.inFlight()) / 4) {
                    // most slots are busy: let a few more jobs finish so one claim takes several (each claim is a
                    // write transaction, and on SQLite the store's only writer)
                    LockSupport.parkNanos(GATHER.toNanos());
                    slots += free.drainPermits();
                }
                if (slots > settings.batch()) {
                    free.release(slots - settings.batch());
                    slots = settings.batch();
                }
                Claimed claimed = claim(slots);
                List<Job> jobs = claimed.jobs();
                Instant now = claimed.at();
                free.release(slots - jobs.size());
                slots = 0;
                if (jobs.isEmpty()) {
                    LockSupport.parkNanos(idleNanos());
                    continue;
                }
                prepare(jobs);
                for (Job job : jobs) {
                    executor.submit(() -> {
                        try {
                            run(job, now);
                        } finally {
                            free.release();
                            LockSupport.unpark(self);
                        }
                    });
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                free.release(slots);
                if (e instanceof StoreUnavailable) {
                    LOG.warn("worker claim: {}; retrying", e.getMessage()); // an outage: one line, no stack trace
                } else {
                    LOG.error("worker claim failed; retrying", e);
                }
                LockSupport.parkNanos(settings.idle().toNanos());
            }
        }
    }

    private long idleNanos() {
        try {
            return db.read(queue::nextDue)
                    .map(due -> Duration.between(clock.instant(), due))
                    .filter(d -> !d.isNegative())
                    .map(d -> Math.min(d.toNanos(), settings.idle().toNanos()))
                    .orElse(settings.idle().toNanos());
        } catch (RuntimeException e) {
            return settings.idle().toNanos();
        }
    }

    @Override
    public void close() {
        running = false;
        for (Thread loop : loops) {
            LockSupport.unpark(loop);
            try {
                loop.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        executor.shutdown();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
