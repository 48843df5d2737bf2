package dev.msgbubbles.attachment;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.queue.Job;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes attachments that were never claimed by a message once their staging time is over, with the bytes no
 * other attachment shares (job kind {@value #KIND}, every {@link #EVERY}, in batches until none is left); the
 * scratch files a crashed process left half-written, once untouched for {@link #SCRATCH_AGE}; the blob holds of
 * processes that died holding them; and, {@link #SWEEP_BATCH} blobs a run, blobs nothing refers to that are older
 * than {@link #BLOB_AGE} (an upload's bytes whose process died before it recorded them).
 */
public final class PurgeJob implements JobHandler {
    public static final String KIND = "purge_attachments";
    public static final Duration EVERY = Duration.ofMinutes(10);
    static final int BATCH = 500;
    /** Far longer than any upload or conversion in progress goes without writing to its scratch file. */
    static final Duration SCRATCH_AGE = Duration.ofDays(1);
    /**
     * The age under which a blob nothing refers to is left alone: far longer than an upload takes from writing its
     * bytes to recording them (it holds them meanwhile besides, see {@link Attachments#HOLD}).
     */
    static final Duration BLOB_AGE = Duration.ofDays(1);
    /** How many blobs one run looks at for the sweep of unreferenced blobs (the next run goes on from there). */
    static final int SWEEP_BATCH = 2_000;
    private static final Logger LOG = LoggerFactory.getLogger(PurgeJob.class);

    private final Database db;
    private final JobQueue queue;
    private final Attachments attachments;
    /**
     * Where this process's next sweep of unreferenced blobs starts (a digest; it goes round). Kept in memory: a
     * process that starts again begins at a random place, so that restarts do not keep it from the later blobs.
     */
    private volatile String swept = String.format("%02x", java.util.concurrent.ThreadLocalRandom.current().nextInt(256));

    public PurgeJob(Database db, JobQueue queue, Attachments attachments) {
        this.db = db;
        this.queue = queue;
        this.attachments = attachments;
    }

    /** Schedules the first purge unless one is pending (two processes starting at once may schedule two: harmless). */
    public void ensureScheduled(Instant now) {
        db.writeVoid(tx -> queue.ensureOne(tx, new JobQueue.NewJob(KIND, "attachments", null, null, now.plus(EVERY)), now));
    }

    @Override
    public void handle(Job job, Instant now) {
        int removed = 0;
        for (int batch; (batch = attachments.purgeExpired(BATCH)) > 0; ) {
            removed += batch;
        }
        if (removed > 0) {
            LOG.info("removed {} expired attachments", removed);
        }
        int holds = 0;
        for (int batch; (batch = attachments.purgeExpiredHolds(BATCH)) > 0; ) {
            holds += batch;
        }
        if (holds > 0) {
            LOG.info("removed {} blob holds of processes that stopped before giving them back", holds);
        }
        try {
            Attachments.Sweep sweep = attachments.sweepUnreferenced(swept, SWEEP_BATCH, now.minus(BLOB_AGE));
            swept = sweep.next();
            if (sweep.removed() > 0) {
                LOG.info("removed {} stored files no attachment refers to (left by an interrupted upload or conversion)", sweep.removed());
            }
        } catch (java.io.UncheckedIOException e) {
            LOG.warn("could not sweep the blob directory: {}", e.getMessage());
        }
        try {
            int scratch = attachments.sweepScratch(now.minus(SCRATCH_AGE));
            if (scratch > 0) {
                LOG.info("removed {} scratch files left by an interrupted upload or conversion", scratch);
            }
        } catch (java.io.UncheckedIOException e) {
            // the scratch directory cannot be read (uploads fail too, and say so): the purge itself still counts
            LOG.warn("could not sweep the attachment scratch directory: {}", e.getMessage());
        }
        db.writeVoid(tx -> queue.reschedule(tx, job, now.plus(EVERY), null));
    }
}
