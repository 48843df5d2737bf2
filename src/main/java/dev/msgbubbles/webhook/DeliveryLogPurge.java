package dev.msgbubbles.webhook;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Sql;
import dev.msgbubbles.queue.Job;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Housekeeping (job kind {@value #KIND}, on the delivery queue): every {@link #EVERY} removes settled deliveries
 * (and their attempts) created more than {@code retention} ago, endpoint by endpoint through the
 * (webhook_id, created_at) index, at most {@link #CHUNK} per transaction. Pending deliveries are never removed.
 * Without it the delivery log would grow by a row or more per event for good. One run removes at most
 * {@link #CHUNKS_PER_RUN} chunks and, when more are due, is due again at once (the worker takes it up between other
 * jobs), so a busy hour's log never holds a worker or SQLite's writer for long, nor outlives the job's lease. Only
 * chunks that removed rows count towards that bound, so each run that stops early has made progress, and the runs end.
 */
final class DeliveryLogPurge implements JobHandler {
    static final String KIND = "purge_webhook_deliveries";
    static final Duration EVERY = Duration.ofHours(1);
    static final int CHUNK = 1000;
    static final int CHUNKS_PER_RUN = 20;
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLogPurge.class);

    private final Database db;
    private final JobQueue queue;
    private final Duration retention;
    private final int chunk;
    private final int chunksPerRun;

    DeliveryLogPurge(Database db, JobQueue queue, Duration retention) {
        this(db, queue, retention, CHUNK, CHUNKS_PER_RUN);
    }

    DeliveryLogPurge(Database db, JobQueue queue, Duration retention, int chunk, int chunksPerRun) {
        this.db = db;
        this.queue = queue;
        this.retention = retention;
        this.chunk = chunk;
        this.chunksPerRun = chunksPerRun;
    }

    /** Schedules the first purge unless one is pending (two processes starting together may both: harmless). */
    void ensureScheduled(Instant now) {
        db.writeVoid(tx -> queue.ensureOne(tx, new JobQueue.NewJob(KIND, "webhook_deliveries", null, null, now.plus(EVERY)), now));
    }

    @Override
    public void handle(Job job, Instant now) {
        Instant cutoff = now.minus(retention);
        // every endpoint (they are few); a removed endpoint's deliveries are EndpointRemoval's
        List<UUID> endpoints = db.read(h -> Sql.list(h, "SELECT id FROM webhooks", row -> row.uuid("id")));
        long purged = 0;
        int chunks = 0;
        boolean more = false;
        for (UUID endpoint : endpoints) {
            int removed;
            do {
                if (chunks == chunksPerRun) {
                    more = true;
                    break;
                }
                removed = db.write(tx -> purge(tx, endpoint, cutoff));
                if (removed > 0) {
                    // only a chunk that removed rows counts: the next run starts over with the first endpoints, which
                    // then have nothing left, so counting those too made a run with more endpoints than chunks stop
                    // short of the later ones every time, and be due again at once, for ever
                    chunks++;
                }
                purged += removed;
            } while (removed == chunk);
            if (more) {
                break;
            }
        }
        Instant next = more ? now : now.plus(EVERY);
        db.writeVoid(tx -> queue.reschedule(tx, job, next, null));
        if (purged > 0) {
            LOG.info("purged {} webhook deliveries older than {}", purged, retention);
        }
    }

    /**
     * One chunk: the oldest settled deliveries of {@code endpoint} are picked once, locked on PostgreSQL, and their
     * attempts and then they are removed by id. Two deletes that each picked the rows again (as this did) could pick
     * different ones on PostgreSQL, where each statement sees what committed before it: a delivery that settled in
     * between (a pending delivery older than a short log retention, its last attempt recorded meanwhile) was removed
     * by the second without its attempts, which the first had skipped, and those stayed for good, since nothing
     * reaches attempts without their delivery. The lock also keeps a picked delivery from being retried by hand
     * (made pending again) while its attempts go. SQLite's writer is single: nothing comes in between.
     */
    private int purge(org.jdbi.v3.core.Handle tx, UUID endpoint, Instant cutoff) {
        List<UUID> oldest = Sql.list(tx, "SELECT id FROM webhook_deliveries WHERE webhook_id = ? AND created_at < ? "
                + "AND status <> 'pending' ORDER BY created_at LIMIT " + chunk + Sql.dialect(tx).forUpdate(),
                row -> row.uuid("id"), endpoint, cutoff);
        return DeliveryStore.removeWithAttempts(tx, oldest);
    }
}
