package dev.msgbubbles.event;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.queue.Job;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Housekeeping (job kind {@value #KIND}): every {@link #EVERY} removes events created more than {@code retention}
 * ago, oldest cursor first, at most {@link #CHUNK} per transaction, and reschedules itself. Without it the log grows
 * by four rows or more per message for good. The oldest events are read by cursor (the primary key) and removed up
 * to the last of the leading run that is past the retention, so each chunk is a short range scan and an event whose
 * time is out of step with its cursor (another process's clock) only waits for the next round. A delivery whose
 * event is gone is dropped and recorded as such (see the courier); the retention is kept longer than the webhook
 * retry schedule, so that only a replay of events about to expire can meet one.
 */
public final class EventPurge implements JobHandler {
    public static final String KIND = "purge_events";
    public static final Duration EVERY = Duration.ofHours(1);
    static final int CHUNK = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(EventPurge.class);

    private final Database db;
    private final JobQueue queue;
    private final Duration retention;
    private final EventLog log = new EventLog(EventLog.Fanout.NONE);

    /** {@code retention} zero keeps every event: the job still runs, and removes nothing. */
    public EventPurge(Database db, JobQueue queue, Duration retention) {
        this.db = db;
        this.queue = queue;
        this.retention = retention;
    }

    /** Schedules the first purge unless one is pending (two processes starting together may both: harmless). */
    public void ensureScheduled(Instant now) {
        db.writeVoid(tx -> queue.ensureOne(tx, new JobQueue.NewJob(KIND, "events", null, null, now.plus(EVERY)), now));
    }

    @Override
    public void handle(Job job, Instant now) {
        long purged = retention.isZero() ? 0 : purge(now.minus(retention));
        db.writeVoid(tx -> queue.reschedule(tx, job, now.plus(EVERY), null));
        if (purged > 0) {
            LOG.info("purged {} events older than {}", purged, retention);
        }
    }

    /** Removes the events created before {@code cutoff} from the oldest on; returns how many. */
    long purge(Instant cutoff) {
        long purged = 0;
        while (true) {
            List<EventLog.Age> oldest = db.read(h -> log.oldest(h, CHUNK));
            int expired = 0;
            while (expired < oldest.size() && oldest.get(expired).createdAt().isBefore(cutoff)) {
                expired++;
            }
            if (expired == 0) {
                return purged;
            }
            long through = oldest.get(expired - 1).cursor();
            purged += db.write(tx -> log.removeThrough(tx, through, cutoff));
            if (expired < CHUNK) {
                return purged;
            }
        }
    }
}
