package dev.msgbubbles.webhook;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Writes;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.queue.BacklogAge;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Webhook delivery, assembled: the {@link EventLog.Fanout} that writes deliveries with their events, the job
 * handlers of the {@code delivery_jobs} queue, the delivery log service, and the metrics (the backlog gauge's series
 * is {@link #backlogAge}, registered by the composition root).
 */
public final class DeliveryPipeline implements AutoCloseable {
    /**
     * How deliveries are made: retry policy, attempt timeout, attempts in flight in this process, to one endpoint
     * and to the endpoints of one account and mode at once; how long settled deliveries stay in the log; the job lease (a test ping that a request was
     * making when its process died is made by a worker once that long has passed).
     */
    public record Settings(RetryPolicy policy, Duration timeout, int concurrency, int perEndpoint, int perAccount,
                           Duration logRetention, Duration jobLease) {
    }

    private final SubscriberCache subscribers;
    private final HttpPoster poster;
    private final DeliveryLogPurge purge;
    private final DeliveryFanout fanout;
    private final Map<String, JobHandler> handlers;
    private final Deliveries deliveries;
    private final NewDeliveries handoff;
    private final JobQueue queue;
    private final Clock clock;

    /**
     * {@code queue} is the delivery queue; {@code writes} records attempts (group commit in the server); {@code wake}
     * asks the queue's worker to look for work now.
     */
    public DeliveryPipeline(Database db, Writes writes, Clock clock, JobQueue queue, UrlGuard guard, Settings settings,
                            MeterRegistry registry, Runnable wake) {
        DeliveryMetrics metrics = new DeliveryMetrics(registry);
        SubscriberCache cache = new SubscriberCache();
        this.poster = new HttpPoster(settings.timeout(), guard, settings.concurrency(), settings.perEndpoint());
        this.handoff = new NewDeliveries();
        Courier courier = new Courier(db, writes, clock, guard, settings.policy(), poster, queue, metrics, cache, handoff);
        this.subscribers = cache;
        DeliveryWriter writer = new DeliveryWriter(clock, queue, wake);
        this.fanout = new DeliveryFanout(subscribers, writer, handoff);
        this.purge = new DeliveryLogPurge(db, queue, settings.logRetention());
        this.handlers = Map.of(DeliveryJob.KIND, new DeliveryJob(writes, clock, queue, courier, settings.concurrency(),
                        settings.perEndpoint(), settings.perAccount(), settings.timeout()),
                ReplayJob.KIND, new ReplayJob(db, clock, queue, writer), DeliveryLogPurge.KIND, purge,
                EndpointRemoval.KIND, new EndpointRemoval(db, queue));
        this.queue = queue;
        this.clock = clock;
        this.deliveries = new Deliveries(db, clock, queue, courier, wake, settings.jobLease());
    }

    /**
     * The series of {@code msgbubbles_webhook_backlog_age_seconds} for {@code queue} (the delivery queue): how long the
     * oldest due delivery attempt has waited (see {@link JobQueue#nextDue}). The composition root registers it with
     * the other queues' backlog gauges, which are read together at a scrape ({@link BacklogAge}).
     */
    public static BacklogAge.Series backlogAge(JobQueue queue) {
        return new BacklogAge.Series("msgbubbles.webhook.backlog.age",
                "how long the oldest due webhook delivery attempt has waited for a worker (0 when none)",
                (h, now) -> queue.nextDue(h));
    }

    /**
     * Tells the fan-out that an endpoint of this account and mode changed, and has a removed endpoint's delivery log
     * removed later (give it to {@link Webhooks}).
     */
    public Webhooks.Listener listener() {
        return new Webhooks.Listener() {
            @Override
            public void changed(UUID accountId, dev.msgbubbles.common.Mode mode) {
                subscribers.invalidate(accountId, mode);
            }

            @Override
            public void removing(org.jdbi.v3.core.Handle tx, UUID webhookId) {
                Instant now = clock.instant();
                queue.enqueue(tx, EndpointRemoval.job(webhookId, now), now);
            }
        };
    }

    /** Schedules the hourly purge of the delivery log unless one is pending (call at start). */
    public void ensureScheduled(java.time.Instant now) {
        purge.ensureScheduled(now);
    }

    public EventLog.Fanout fanout() {
        return fanout;
    }

    /**
     * The fan-out alone, for a process that writes events but delivers nothing itself (the admin CLI): the deliveries
     * and their jobs it writes into {@code queue} (the delivery queue) are made by the servers' delivery workers,
     * which find them when they next look.
     */
    public static EventLog.Fanout fanoutAlone(Clock clock, JobQueue queue) {
        return new DeliveryFanout(new SubscriberCache(), new DeliveryWriter(clock, queue, () -> { }), new NewDeliveries());
    }

    public Map<String, JobHandler> handlers() {
        return handlers;
    }

    /** The handoff from the fan-out to the courier (for tests in this package). */
    NewDeliveries handoff() {
        return handoff;
    }

    public Deliveries deliveries() {
        return deliveries;
    }

    /** Closes the delivery connections (after the delivery worker has stopped). */
    @Override
    public void close() {
        poster.close();
    }
}
