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
 * Removes the delivery log of a removed endpoint (job kind {@value #KIND} on the delivery queue, subject: the
 * endpoint): its deliveries, whatever their status, with their attempts, at most {@link #CHUNK} per transaction.
 *
 * <p>{@code DELETE /v1/webhooks/:id} removed them in its own transaction, which for an endpoint with a month of log
 * held SQLite's only writer (every send waited) for as long as it took; and an attempt under way at that moment
 * recorded itself after its delivery had gone, leaving an attempt row nothing would ever reach. The request now removes
 * the endpoint and writes this job, due {@link #DELAY} later: by then any attempt that read the endpoint before it went
 * has recorded its outcome (an attempt lasts at most the webhook timeout, a minute at most), and what it recorded goes
 * with its delivery. Meanwhile the deliveries are out of sight (every read goes through the endpoint) and their jobs
 * find no endpoint and end.
 */
final class EndpointRemoval implements JobHandler {
    static final String KIND = "webhook.remove_endpoint_log";
    static final Duration DELAY = Duration.ofMinutes(5);
    static final int CHUNK = 1000;
    static final int CHUNKS_PER_RUN = 20;
    private static final Logger LOG = LoggerFactory.getLogger(EndpointRemoval.class);

    private final Database db;
    private final JobQueue queue;
    private final int chunk;

    EndpointRemoval(Database db, JobQueue queue) {
        this(db, queue, CHUNK);
    }

    EndpointRemoval(Database db, JobQueue queue, int chunk) {
        this.db = db;
        this.queue = queue;
        this.chunk = chunk;
    }

    /** The job that removes endpoint {@code webhookId}'s log, written with the endpoint's removal. */
    static JobQueue.NewJob job(UUID webhookId, Instant removedAt) {
        return new JobQueue.NewJob(KIND, webhookId.toString(), null, null, removedAt.plus(DELAY));
    }

    @Override
    public void handle(Job job, Instant now) {
        UUID endpoint = UUID.fromString(job.subject());
        long removed = 0;
        for (int i = 0; i < CHUNKS_PER_RUN; i++) {
            int n = db.write(tx -> removeChunk(tx, endpoint));
            removed += n;
            if (n < chunk) {
                db.writeVoid(tx -> queue.complete(tx, job));
                if (removed > 0) {
                    LOG.info("removed {} deliveries of removed webhook {}", removed, endpoint);
                }
                return;
            }
        }
        // more to go: again at once, between other jobs, so that no run holds a worker or the writer for long
        db.writeVoid(tx -> queue.reschedule(tx, job, now, null));
    }

    /** One chunk of the endpoint's deliveries, picked once (locked on PostgreSQL), removed with their attempts. */
    private int removeChunk(org.jdbi.v3.core.Handle tx, UUID endpoint) {
        List<UUID> ids = Sql.list(tx, "SELECT id FROM webhook_deliveries WHERE webhook_id = ? ORDER BY created_at LIMIT "
                + chunk + Sql.dialect(tx).forUpdate(), row -> row.uuid("id"), endpoint);
        return DeliveryStore.removeWithAttempts(tx, ids);
    }
}
