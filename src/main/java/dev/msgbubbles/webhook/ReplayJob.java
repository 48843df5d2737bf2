package dev.msgbubbles.webhook;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.event.Event;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.queue.Job;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Sends a stretch of history to an endpoint again ({@code POST /v1/webhooks/:id/replay}): new deliveries of the
 * events from {@code since} up to the newest cursor at the time of the request, of the types the endpoint takes,
 * {@link #CHUNK} events per transaction. Each chunk commits its deliveries together with the job for the next one,
 * so a crash resumes where it stopped, and the upper cursor bound makes the replay end even while events keep coming.
 */
final class ReplayJob implements JobHandler {
    static final String KIND = "webhook.replay";
    static final int CHUNK = 500;

    /** Where a replay stands: events after {@code after}, up to {@code until}, created from {@code since}. */
    record Position(long after, long until, Instant since) {
        String payload() {
            return after + "," + until + "," + since.toEpochMilli();
        }

        static Position parse(String payload) {
            String[] parts = payload.split(",");
            return new Position(Long.parseLong(parts[0]), Long.parseLong(parts[1]),
                    Instant.ofEpochMilli(Long.parseLong(parts[2])));
        }
    }

    private final Database db;
    private final Clock clock;
    private final JobQueue queue;
    private final EventLog events = new EventLog(EventLog.Fanout.NONE);
    private final WebhookStore webhooks = new WebhookStore();
    private final DeliveryWriter writer;

    ReplayJob(Database db, Clock clock, JobQueue queue, DeliveryWriter writer) {
        this.writer = writer;
        this.db = db;
        this.clock = clock;
        this.queue = queue;
    }

    /** The job that starts a replay; replays of one endpoint run one after another. */
    static JobQueue.NewJob start(UUID webhookId, Position position, Instant now) {
        return new JobQueue.NewJob(KIND, webhookId.toString(), "replay/" + webhookId, position.payload(), now);
    }

    @Override
    public void handle(Job job, Instant now) {
        UUID webhookId = UUID.fromString(job.subject());
        Position at = Position.parse(job.payload());
        db.writeVoid(tx -> {
            Optional<Webhook> webhook = webhooks.byId(tx, webhookId);
            if (webhook.isPresent() && webhook.get().enabled()) {
                Webhook w = webhook.get();
                List<Event> chunk = events.between(tx, w.accountId(), w.mode(), at.after(), at.until(), at.since(),
                        w.eventTypes(), CHUNK);
                List<DeliveryWriter.Owed> owed = new ArrayList<>(chunk.size());
                for (Event e : chunk) {
                    owed.add(new DeliveryWriter.Owed(w.id(), w.accountId(), w.mode(), e.id(), e.cursor(), e.type().wire(),
                            e.conversationId()));
                }
                Instant createdAt = clock.instant();
                writer.write(tx, owed, createdAt);
                if (chunk.size() == CHUNK) {
                    queue.enqueue(tx, start(w.id(), new Position(chunk.getLast().cursor(), at.until(), at.since()),
                            createdAt), createdAt);
                }
            }
            queue.complete(tx, job);
        });
    }
}
