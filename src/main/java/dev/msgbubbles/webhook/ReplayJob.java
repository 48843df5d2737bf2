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
 *
 * <p>An event the endpoint still has a pending delivery of (queued, being attempted, or waiting for a retry: from
 * the event itself, an earlier replay, or a manual resend) gets no new one: it will go out anyway, and a second
 * replay requested before the first is delivered would otherwise send everything twice. Events whose earlier
 * deliveries have all settled get a new one, which is what a replay is for. Replays of one endpoint run one chunk at a
 * time (one lane), each seeing what the chunks before it wrote, so two of them never both queue an event. The
 * endpoint's pending deliveries are found through its outstanding delivery jobs (a pending delivery always has one):
 * a scan of the delivery queue, which holds outstanding work only, then a look by key at those deliveries, read before
 * the chunk's write transaction (never holding SQLite's writer): nothing on the path of new events or attempts pays
 * for it. A resend requested while a chunk is being written may still be queued beside it.
 *
 * <p>A replay writes its next chunk only while fewer than {@code backlog} (a chunk's worth) of the endpoint's delivery
 * jobs are due, and otherwise looks again {@link #BACKLOG_WAIT} later, keeping its place. Written as fast as the chunks
 * commit, a replay of a month queued its hundreds of thousands of deliveries at once, all due before anything another
 * account's events queued after the request: the worker claims in due order, so those waited behind the whole replay,
 * however few of its attempts the account's slots let run at a time. Now one replaying endpoint has at most about two
 * chunks due at once, and its replay goes out as fast as the endpoint takes it. Only due jobs and first attempts count:
 * retries waiting for their time (an endpoint that was down) hold up no one, and must not hold up the replay for hours;
 * a first attempt waits for a slot of its endpoint, or behind one that does.
 */
final class ReplayJob implements JobHandler {
    static final String KIND = "webhook.replay";
    static final int CHUNK = 500;
    /** When a replay whose endpoint has a chunk's worth of delivery jobs due looks again. */
    static final java.time.Duration BACKLOG_WAIT = java.time.Duration.ofSeconds(5);

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
    private final DeliveryStore deliveries = new DeliveryStore();
    private final DeliveryWriter writer;
    private final int backlog;

    ReplayJob(Database db, Clock clock, JobQueue queue, DeliveryWriter writer) {
        this(db, clock, queue, writer, CHUNK);
    }

    /** {@code backlog}: the endpoint's due delivery jobs from which the replay waits before its next chunk. */
    ReplayJob(Database db, Clock clock, JobQueue queue, DeliveryWriter writer, int backlog) {
        this.backlog = backlog;
        this.writer = writer;
        this.db = db;
        this.clock = clock;
        this.queue = queue;
    }

    /** The job that starts a replay; replays of one endpoint run one after another. */
    static JobQueue.NewJob start(UUID webhookId, Position position, Instant now) {
        return new JobQueue.NewJob(KIND, webhookId.toString(), "replay/" + webhookId, position.payload(), now);
    }

    /**
     * A chunk of events to replay, and the cursors among them the endpoint has a pending delivery of; or none yet, as
     * the endpoint has {@code backlog} delivery jobs due already ({@code waits}).
     */
    private record Chunk(List<Event> events, java.util.Set<Long> pending, boolean waits) {
        static final Chunk WAIT = new Chunk(List.of(), java.util.Set.of(), true);
    }

    @Override
    public void handle(Job job, Instant now) {
        UUID webhookId = UUID.fromString(job.subject());
        Position at = Position.parse(job.payload());
        Optional<Chunk> read = db.read(h -> webhooks.byId(h, webhookId).filter(Webhook::enabled).map(w -> {
            List<JobQueue.Queued> queued = queue.queued(h, DeliveryJob.KIND, webhookId.toString());
            Instant due = clock.instant();
            // a first attempt (in a lane) counts whatever its time: one put back while the endpoint is busy makes
            // the rest of its lane due with it, a second or more ahead (JobQueue.reschedule), and those are the
            // endpoint's backlog as much as when they were due at once
            if (queued.stream().filter(j -> j.inLane() || !j.runAt().isAfter(due)).count() >= backlog) {
                return Chunk.WAIT;
            }
            List<UUID> outstanding = queued.stream().map(j -> UUID.fromString(j.subject())).toList();
            List<Event> chunk = events.between(h, w.accountId(), w.mode(), at.after(), at.until(), at.since(),
                    w.eventTypes(), CHUNK);
            if (chunk.isEmpty()) {
                return new Chunk(chunk, java.util.Set.of(), false);
            }
            return new Chunk(chunk, deliveries.pendingCursors(h, outstanding, at.after(), chunk.getLast().cursor()),
                    false);
        }));
        if (read.isPresent() && read.get().waits()) {
            // no chunk was queued: put back, giving the claim back (JobQueue.putBack), like a delivery whose
            // endpoint is busy
            db.writeVoid(tx -> queue.putBack(tx, job, clock.instant().plus(BACKLOG_WAIT),
                    "waiting for the endpoint's outstanding deliveries"));
            return;
        }
        db.writeVoid(tx -> {
            // the endpoint again, in the transaction: removed or disabled since the read, it is owed nothing
            Optional<Webhook> webhook = webhooks.byId(tx, webhookId);
            if (read.isPresent() && webhook.isPresent() && webhook.get().enabled()) {
                Webhook w = webhook.get();
                List<Event> chunk = read.get().events();
                List<DeliveryWriter.Owed> owed = new ArrayList<>(chunk.size());
                for (Event e : chunk) {
                    if (w.takes(e.type().wire()) && !read.get().pending().contains(e.cursor())) {
                        owed.add(new DeliveryWriter.Owed(w.id(), w.accountId(), w.mode(), e.id(), e.cursor(),
                                e.type().wire(), e.conversationId()));
                    }
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
