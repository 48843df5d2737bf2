package dev.msgbubbles.idempotency;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.queue.Job;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Housekeeping (job kind {@value #KIND}): deletes idempotency keys past their retention every {@link #EVERY}
 * and reschedules itself. Expired keys are already ignored when looked up; this only keeps the table small.
 * {@link #ensureScheduled} is called at start; two processes starting together may both schedule one, which
 * is harmless (the purge is idempotent).
 */
public final class PurgeJob implements JobHandler {
    public static final String KIND = "purge_idempotency_keys";
    public static final Duration EVERY = Duration.ofHours(1);
    private static final Logger LOG = LoggerFactory.getLogger(PurgeJob.class);

    private final Database db;
    private final JobQueue queue;
    private final IdempotencyStore store;

    public PurgeJob(Database db, JobQueue queue, IdempotencyStore store) {
        this.db = db;
        this.queue = queue;
        this.store = store;
    }

    /** Schedules the first purge unless one is pending. */
    public void ensureScheduled(Instant now) {
        db.writeVoid(tx -> queue.ensureOne(tx, new JobQueue.NewJob(KIND, "idempotency_keys", null, null, now.plus(EVERY)), now));
    }

    @Override
    public void handle(Job job, Instant now) {
        db.writeVoid(tx -> {
            int purged = store.purgeExpired(tx);
            queue.reschedule(tx, job, now.plus(EVERY), null);
            if (purged > 0) {
                LOG.info("purged {} expired idempotency keys", purged);
            }
        });
    }
}
