package dev.msgbubbles.webhook;

import dev.msgbubbles.account.Principal;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Ids;
import dev.msgbubbles.common.PageQuery;
import dev.msgbubbles.common.WireJson;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.queue.JobQueue;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The delivery log and what a customer can do with it: list and read deliveries with their attempts, send one
 * again, replay history since a time, and ping an endpoint with a test event.
 */
public final class Deliveries {
    /** The type of a test ping; not an event of the log, so no subscription filters it. */
    public static final String TEST_EVENT = "webhook.test";

    private final Database db;
    private final Clock clock;
    private final JobQueue queue;
    private final Courier courier;
    private final Runnable wake;
    private final java.time.Duration lease;
    private final WebhookStore webhooks = new WebhookStore();
    private final DeliveryStore deliveries = new DeliveryStore();
    private final EventLog events = new EventLog(EventLog.Fanout.NONE);

    /** {@code lease}: the job lease, after which a ping whose request's process died is made by a worker. */
    Deliveries(Database db, Clock clock, JobQueue queue, Courier courier, Runnable wake, java.time.Duration lease) {
        this.db = db;
        this.lease = lease;
        this.clock = clock;
        this.queue = queue;
        this.courier = courier;
        this.wake = wake;
    }

    /** What a replay request set going. */
    public record Replay(UUID webhookId, Instant since, long untilCursor, String status) {
    }

    /** The body of a test ping: an event object without a cursor (it is not in the event log). */
    record TestEvent(String id, String type, Instant createdAt, Map<String, Object> data) {
    }

    public PageQuery.Page<DeliveryView> list(Principal p, UUID webhookId, PageQuery page) {
        return db.read(h -> {
            webhooks.require(h, p, webhookId);
            PageQuery.Page<Delivery> rows = deliveries.list(h, webhookId, page);
            Map<UUID, List<Attempt>> attempts = deliveries.attempts(h, rows.items().stream().map(Delivery::id).toList());
            return new PageQuery.Page<>(rows.items().stream()
                    .map(d -> DeliveryView.of(d, attempts.getOrDefault(d.id(), List.of()))).toList(),
                    rows.hasMore(), rows.nextBefore());
        });
    }

    public DeliveryView get(Principal p, UUID webhookId, UUID deliveryId) {
        return db.read(h -> {
            webhooks.require(h, p, webhookId);
            return view(h, webhookId, deliveryId);
        });
    }

    /**
     * Sends a settled delivery again, now, with a fresh retry schedule (the same {@code webhook-id}, so a receiver
     * that already has it can tell). 409 while it is still pending: its next attempt is already planned.
     */
    public DeliveryView retry(Principal p, UUID webhookId, UUID deliveryId) {
        Instant now = clock.instant();
        DeliveryView view = db.write(tx -> {
            Webhook w = webhooks.require(tx, p, webhookId);
            Delivery d = deliveries.find(tx, webhookId, deliveryId).orElseThrow(() -> ApiException.notFound("delivery"));
            if (!w.enabled() && d.payload() == null) {
                throw new ApiException(ErrorCode.CONFLICT, "the webhook is disabled; enable it before sending again", null);
            }
            if (d.payload() == null && !w.takes(d.eventType())) {
                throw new ApiException(ErrorCode.CONFLICT, "the webhook no longer takes " + d.eventType()
                        + " events; add it to its events before sending again", null);
            }
            if (!deliveries.reopen(tx, deliveryId, now)) {
                throw new ApiException(ErrorCode.CONFLICT, "the delivery is pending: its next attempt is already planned",
                        null);
            }
            queue.enqueue(tx, DeliveryJob.retry(d, now), now);
            return view(tx, webhookId, deliveryId);
        });
        wake.run();
        return view;
    }

    /**
     * Delivers again every event since {@code since} that the endpoint takes, up to the newest event now, in event
     * order per conversation; a background job writes the deliveries (see {@link ReplayJob}).
     */
    public Replay replay(Principal p, UUID webhookId, Instant since) {
        Instant now = clock.instant();
        Replay replay = db.write(tx -> {
            Webhook w = webhooks.require(tx, p, webhookId);
            if (!w.enabled()) {
                throw new ApiException(ErrorCode.CONFLICT, "the webhook is disabled; enable it before replaying", null);
            }
            long until = events.lastCursor(tx, p.accountId(), p.mode());
            queue.enqueue(tx, ReplayJob.start(webhookId, new ReplayJob.Position(0, until, since), now), now);
            return new Replay(webhookId, since, until, "queued");
        });
        wake.run();
        return replay;
    }

    /**
     * Sends a {@value #TEST_EVENT} event to the endpoint now, once, and answers with the delivery and its attempt.
     * Goes out even when the endpoint is disabled (to check it before enabling it again). The request makes the
     * attempt itself, as if it held a job's lease: the ping is written with a job due when that lease would end, which
     * the attempt's record removes. If the process dies first, a worker makes the attempt then (the ping may reach the
     * endpoint twice, with one {@code webhook-id}, as any delivery may), so no ping is left pending for ever.
     */
    public DeliveryView test(Principal p, UUID webhookId) {
        Instant now = clock.instant();
        Delivery ping = db.write(tx -> {
            Webhook w = webhooks.require(tx, p, webhookId);
            String eventId = Ids.eventId(now.toEpochMilli());
            String body = WireJson.write(new TestEvent(eventId, TEST_EVENT, now, Map.of("webhook_id", w.id(),
                    "message", "a test delivery from MsgBubbles")));
            Delivery d = Delivery.pending(Ids.uuidV7(clock), w.id(), w.accountId(), w.mode(), eventId, null, TEST_EVENT, body,
                    now);
            deliveries.insertAll(tx, List.of(d));
            queue.enqueue(tx, DeliveryJob.retry(d, now.plus(lease)), now);
            return d;
        });
        courier.attempt(ping.id(), tx -> queue.cancel(tx, DeliveryJob.KIND, ping.id().toString()));
        return db.read(h -> view(h, webhookId, ping.id()));
    }

    private DeliveryView view(org.jdbi.v3.core.Handle h, UUID webhookId, UUID deliveryId) {
        Delivery d = deliveries.find(h, webhookId, deliveryId).orElseThrow(() -> ApiException.notFound("delivery"));
        return DeliveryView.of(d, deliveries.attempts(h, List.of(d.id())).getOrDefault(d.id(), List.of()));
    }
}
