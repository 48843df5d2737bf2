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
 * ago, oldest cursor first, at most {@link #CHUNK} rows of them (each up to {@link EventLog.Stored#MAX_SPAN} events)
 * per transaction, and reschedules itself. Without it the log grows by four events or more per message for good.
 * One run removes at most {@link #CHUNKS_PER_RUN} chunks and, when more are due, is due again at once: the worker takes
 * it up with its next claim, between other jobs. So a large backlog (the first run after an upgrade) never holds a
 * worker loop, or SQLite's writer, for long, nor outlives the job's lease, and the purge still keeps up with any rate
 * of events. The oldest events are read by cursor (the primary key) and removed up to the last of the leading run that
 * is past the retention, so each chunk is a short range scan and an event whose time is out of step with its cursor
 * (another process's clock) only waits for the next round. A delivery whose event is gone is dropped and recorded as
 * such (see the courier); the retention is kept longer than a delivery can stay pending (the retry schedule with its
 * jitter and Retry-After stretches, see ConfigLoader), so that only a replay of events about to expire can meet one.
 */
public final class EventPurge implements JobHandler {
    public static final String KIND = "purge_events";
    public static final Duration EVERY = Duration.ofHours(1);
    static final int CHUNK = 1000;
    static final int CHUNKS_PER_RUN = 20;
    private static final Logger LOG = LoggerFactory.getLogger(EventPurge.class);

    private final Database db;
    private final JobQueue queue;
    private final Duration retention;
    private final int chunk;
    private final int chunksPerRun;
    private final EventLog log = new EventLog(EventLog.Fanout.NONE);

    /** {@code retention} zero keeps every event: the job still runs, and removes nothing. */
    public EventPurge(Database db, JobQueue queue, Duration retention) {
        this(db, queue, retention, CHUNK, CHUNKS_PER_RUN);
    }

    EventPurge(Database db, JobQueue queue, Duration retention, int chunk, int chunksPerRun) {
        this.db = db;
        this.queue = queue;
        this.retention = retention;
        this.chunk = chunk;
        this.chunksPerRun = chunksPerRun;
    }

    /** What one run removed, and whether it stopped at its limit with more due. */
    record Outcome(long purged, boolean more) {
    }

    /** Schedules the first purge unless one is pending (two processes starting together may both: harmless). */
    public void ensureScheduled(Instant now) {
        db.writeVoid(tx -> queue.ensureOne(tx, new JobQueue.NewJob(KIND, "events", null, null, now.plus(EVERY)), now));
    }

    @Override
    public void handle(Job job, Instant now) {
        Outcome outcome = retention.isZero() ? new Outcome(0, false) : purge(now.minus(retention));
        db.writeVoid(tx -> queue.reschedule(tx, job, outcome.more() ? now : now.plus(EVERY), null));
        if (outcome.purged() > 0) {
            LOG.info("purged {} events older than {}{}", outcome.purged(), retention,
                    outcome.more() ? "; more next" : "");
        }
    }

    /** Removes the events created before {@code cutoff} from the oldest on, up to this run's limit. */
    Outcome purge(Instant cutoff) {
        long purged = 0;
        for (int round = 0; round < chunksPerRun; round++) {
            List<EventLog.Age> oldest = db.read(h -> log.oldest(h, chunk));
            int expired = 0;
            while (expired < oldest.size() && oldest.get(expired).createdAt().isBefore(cutoff)) {
                expired++;
            }
            if (expired == 0) {
                return new Outcome(purged, false);
            }
            long through = oldest.get(expired - 1).cursor();
            purged += db.write(tx -> log.removeThrough(tx, through, cutoff));
            if (expired < chunk) {
                return new Outcome(purged, false);
            }
        }
        return new Outcome(purged, true);
    }
}
