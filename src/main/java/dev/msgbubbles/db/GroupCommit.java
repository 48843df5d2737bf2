package dev.msgbubbles.db;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.HandleCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: concurrent writes are run together in one transaction by a few writer threads, and each caller
 * returns only after the transaction holding its work has committed, so durability is exactly that of a
 * transaction per call while the cost of a commit (and of rewriting the same index pages) is shared.
 *
 * <p>Each writer has its own queue. Work given an <em>affinity</em> (e.g. a conversation) always goes to the same
 * writer, so two concurrent transactions never both create the same thread or reserve the same key in different
 * orders, which is how several writers deadlocked on PostgreSQL; work without one goes to the writers in turn.
 * SQLite has one writer.
 *
 * <p>Contract for a unit of work: it runs on a writer thread inside a transaction shared with other callers; it
 * must use only the handle it is given (never {@link Database#write}, which would wait for the writer it is
 * running on) and should not throw for expected outcomes (return a value instead). If a batch fails, every unit
 * of it is run again in a transaction of its own, so a failing unit fails only its own caller.
 */
public final class GroupCommit implements Writes, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

    /**
     * How long a writer that finds its queue empty right after a commit keeps looking for work before it parks: 1 ms.
     * A parked writer has to be woken by the first caller of its next batch (a futex call, and on this machine's VM an
     * inter-processor interrupt), and under load that happened after most commits. Measured in the twenty-fifth
     * session with {@code ./msgbubbles bench ab} (3 pairs in both orders, one build switched by system properties), on
     * SQLite: looking for 200 µs with {@link Thread#onSpinWait()} against parking at once +27.5 % sends (and +35.7 % on
     * PostgreSQL, though its commit stalls hide any difference in other comparisons); yielding the CPU between looks
     * ({@link Thread#yield()}, so that the threads making the next batch can run) instead +15.6 %; looking for 1 ms
     * instead of 200 µs +15.4 %; each faster in every pair and with less CPU per send (3 ms instead of 1 ms: -11 %,
     * slower in every pair). It costs at most this much CPU per commit (nothing when another thread wants the CPU); a
     * writer looks only right after a commit, so a server with no traffic pays it only for its few housekeeping
     * commits a second (measured: the writer thread 1.3 % of a core over 10 s of an idle server, against 0.7 % when
     * parking at once).
     */
    public static final Duration IDLE_SPIN = Duration.ofMillis(1);

    private final Database db;
    private final int maxBatch;
    private final long idleSpinNanos;
    private final List<BlockingQueue<Unit<?>>> queues = new ArrayList<>();
    private final List<Thread> writers = new ArrayList<>();
    private final AtomicInteger turn = new AtomicInteger();
    private volatile boolean running = true;
    private final DistributionSummary unitsPerCommit;

    private static final class Unit<R> {
        final HandleCallback<R, RuntimeException> work;
        final CompletableFuture<R> done = new CompletableFuture<>();

        Unit(HandleCallback<R, RuntimeException> work) {
            this.work = work;
        }

        @SuppressWarnings("unchecked")
        void complete(Object result) {
            done.complete((R) result);
        }
    }

    /** {@code writers} threads each commit batches of up to {@code maxBatch} units (SQLite: one writer). */
    public GroupCommit(Database db, int writers, int maxBatch) {
        this(db, writers, maxBatch, null);
    }

    /** Like {@link #GroupCommit(Database, int, int)}, reporting units per commit to {@code registry} (nullable). */
    public GroupCommit(Database db, int writers, int maxBatch, MeterRegistry registry) {
        this(db, writers, maxBatch, registry, IDLE_SPIN);
    }

    /**
     * Like {@link #GroupCommit(Database, int, int, MeterRegistry)}, with a writer that finds its queue empty looking
     * for work for {@code idleSpin} before it parks ({@link #IDLE_SPIN} by default; zero parks at once).
     */
    public GroupCommit(Database db, int writers, int maxBatch, MeterRegistry registry, Duration idleSpin) {
        if (idleSpin.isNegative()) {
            throw new IllegalArgumentException("idleSpin must not be negative");
        }
        this.db = db;
        this.idleSpinNanos = idleSpin.toNanos();
        this.unitsPerCommit = registry == null ? null : DistributionSummary.builder("msgbubbles_group_commit_units")
                .description("Units of work committed together by one group-commit transaction").register(registry);
        this.maxBatch = maxBatch;
        int count = db.dialect() == Dialect.SQLITE ? 1 : writers;
        for (int i = 0; i < count; i++) {
            BlockingQueue<Unit<?>> queue = new LinkedBlockingQueue<>();
            queues.add(queue);
            this.writers.add(Thread.ofPlatform().daemon().name("group-commit-" + i).start(() -> loop(queue)));
        }
    }

    /** Runs {@code work} in a shared transaction and returns its result once that transaction has committed. */
    @Override
    public <R> R write(HandleCallback<R, RuntimeException> work) {
        return write(null, work);
    }

    /** Like {@link #write(HandleCallback)}; work with the same non-null {@code affinity} always shares a writer. */
    @Override
    public <R> R write(String affinity, HandleCallback<R, RuntimeException> work) {
        if (writers.contains(Thread.currentThread())) {
            throw new IllegalStateException("a group-commit unit must not start another write");
        }
        if (!running) {
            throw new IllegalStateException("group commit is closed");
        }
        Unit<R> unit = new Unit<>(work);
        int writer = affinity == null ? turn.getAndIncrement() : affinity.hashCode();
        BlockingQueue<Unit<?>> queue = queues.get(Math.floorMod(writer, queues.size()));
        queue.add(unit);
        if (!running && queue.remove(unit)) {
            // close() ran between the check above and the add: no writer may be left to take the unit
            throw new IllegalStateException("group commit is closed");
        }
        try {
            return unit.done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a commit", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private void loop(BlockingQueue<Unit<?>> queue) {
        List<Unit<?>> batch = new ArrayList<>(maxBatch);
        boolean committed = false; // only right after a commit is more work likely soon enough to look for
        while (running || !queue.isEmpty()) {
            try {
                Unit<?> first = committed ? awaitWork(queue) : queue.poll(100, TimeUnit.MILLISECONDS);
                committed = false;
                if (first == null) {
                    continue;
                }
                batch.clear();
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                committed = true;
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) {
                LOG.error("group commit writer failed; continuing", e);
            }
        }
    }

    /**
     * After a commit: the next unit, looking for one for {@link #idleSpinNanos} (yielding the CPU between looks) before
     * parking for up to 100 ms; null if none came. See {@link #IDLE_SPIN} for why the writer does not park at once.
     */
    private Unit<?> awaitWork(BlockingQueue<Unit<?>> queue) throws InterruptedException {
        long start = System.nanoTime();
        Unit<?> next = queue.poll();
        while (next == null && running && System.nanoTime() - start < idleSpinNanos) {
            Thread.yield();
            next = queue.poll();
        }
        return next != null ? next : queue.poll(100, TimeUnit.MILLISECONDS);
    }

    /** The writer threads (for tests of their idle behaviour). */
    List<Thread> writerThreads() {
        return List.copyOf(writers);
    }

    private void commit(List<Unit<?>> batch) {
        if (unitsPerCommit != null) {
            unitsPerCommit.record(batch.size());
        }
        List<Object> results;
        try {
            results = db.write(tx -> {
                List<Object> out = new ArrayList<>(batch.size());
                for (Unit<?> unit : batch) {
                    out.add(unit.work.withHandle(tx));
                }
                return out;
            });
        } catch (RuntimeException | Error batchFailure) {
            if (batch.size() == 1 || batchFailure instanceof StoreUnavailable) {
                // the store could not take it (unreachable, a broken connection, a full disk): nothing of the batch was
                // committed and no unit is to blame; trying each alone would only make the last caller wait once per unit
                for (Unit<?> unit : batch) {
                    unit.done.completeExceptionally(batchFailure);
                }
                return;
            }
            for (Unit<?> unit : batch) { // isolate: whoever failed fails alone
                try {
                    unit.complete(db.write(unit.work));
                } catch (RuntimeException | Error alone) {
                    unit.done.completeExceptionally(alone);
                }
            }
            return;
        }
        release(List.copyOf(batch), results);
    }

    /**
     * Returns each unit's result to its caller, from a virtual thread rather than from the writer. Completing a caller
     * schedules its continuation; from the writer (a platform thread) each is an outside submission to the virtual
     * threads' scheduler, which wakes an idle carrier thread with a futex call, and on this machine's VM that wake cost
     * the writer 7.4 % of its wall-clock time under the send load on SQLite (async-profiler, {@code event=wall}:
     * {@code pthread_cond_signal} under {@code CompletableFuture.complete}), time the next batch waited for. From a
     * virtual thread the writer makes one submission per commit and the carrier running it queues the callers on its
     * own. Callers still return only after their transaction committed and its after-commit hooks ran.
     */
    private static void release(List<Unit<?>> units, List<Object> results) {
        Runnable release = () -> {
            for (int i = 0; i < units.size(); i++) {
                units.get(i).complete(results.get(i));
            }
        };
        try {
            Thread.startVirtualThread(release);
        } catch (RuntimeException | OutOfMemoryError e) {
            release.run(); // no thread to be had: from here, rather than leave the callers waiting
        }
    }

    /** Stops taking work after committing what is queued. */
    @Override
    public void close() {
        running = false;
        for (Thread writer : writers) {
            try {
                writer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (BlockingQueue<Unit<?>> queue : queues) {
            Unit<?> left;
            while ((left = queue.poll()) != null) {
                left.done.completeExceptionally(new IllegalStateException("group commit closed"));
            }
        }
    }
}
