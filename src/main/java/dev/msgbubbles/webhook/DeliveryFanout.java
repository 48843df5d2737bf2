package dev.msgbubbles.webhook;

import dev.msgbubbles.common.Ids;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.queue.JobQueue;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Turns events into deliveries in the transaction that writes the events (DECISIONS §10): one per enabled endpoint
 * of the event's account and mode that takes its type, each with its job. An event and its deliveries commit
 * together or not at all, so no event is ever left without the deliveries it was owed. Which endpoints those are
 * comes from the {@link SubscriberCache}.
 */
final class DeliveryFanout implements EventLog.Fanout {
    private final Clock clock;
    private final JobQueue queue;
    private final SubscriberCache subscribers;
    private final DeliveryStore deliveries = new DeliveryStore();

    private final Runnable wake;

    DeliveryFanout(Clock clock, JobQueue queue, SubscriberCache subscribers, Runnable wake) {
        this.subscribers = subscribers;
        this.clock = clock;
        this.queue = queue;
        this.wake = wake;
    }

    private record Scope(UUID accountId, Mode mode) {
    }

    @Override
    public void fanOut(Handle tx, List<EventLog.Pending> events) {
        Map<Scope, List<WebhookStore.Subscriber>> scopes = new HashMap<>();
        List<Delivery> created = new ArrayList<>();
        List<JobQueue.NewJob> jobs = new ArrayList<>();
        for (EventLog.Pending event : events) {
            List<WebhookStore.Subscriber> endpoints = scopes.computeIfAbsent(
                    new Scope(event.accountId(), event.mode()), s -> subscribers.get(tx, s.accountId(), s.mode()));
            for (WebhookStore.Subscriber endpoint : endpoints) {
                if (endpoint.takes(event.type())) {
                    Delivery delivery = Delivery.pending(Ids.uuidV7(clock), endpoint.id(), event.accountId(),
                            event.mode(), event.id(), event.type().wire(), null, event.createdAt());
                    created.add(delivery);
                    jobs.add(DeliveryJob.first(delivery, event.conversationId()));
                }
            }
        }
        if (!created.isEmpty()) {
            deliveries.insertAll(tx, created);
            queue.enqueueAll(tx, jobs, created.getFirst().createdAt());
            Database.afterCommit(tx, "wake webhook deliveries", wake);
        }
    }
}
