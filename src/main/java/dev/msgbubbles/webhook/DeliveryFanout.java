package dev.msgbubbles.webhook;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.event.Event;
import dev.msgbubbles.event.EventLog;
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
    private final SubscriberCache subscribers;
    private final DeliveryWriter writer;
    private final NewDeliveries handoff;

    DeliveryFanout(SubscriberCache subscribers, DeliveryWriter writer, NewDeliveries handoff) {
        this.subscribers = subscribers;
        this.writer = writer;
        this.handoff = handoff;
    }

    private record Scope(UUID accountId, Mode mode) {
    }

    private List<WebhookStore.Subscriber> endpoints(Handle tx, Map<Scope, List<WebhookStore.Subscriber>> scopes,
                                                    EventLog.Pending event) {
        return scopes.computeIfAbsent(new Scope(event.accountId(), event.mode()),
                s -> subscribers.get(tx, s.accountId(), s.mode()));
    }

    @Override
    public boolean owes(Handle tx, List<EventLog.Pending> events) {
        Map<Scope, List<WebhookStore.Subscriber>> scopes = new HashMap<>();
        for (EventLog.Pending event : events) {
            for (WebhookStore.Subscriber endpoint : endpoints(tx, scopes, event)) {
                if (endpoint.takes(event.type())) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void fanOut(Handle tx, List<EventLog.Appended> events) {
        Map<Scope, List<WebhookStore.Subscriber>> scopes = new HashMap<>();
        List<DeliveryWriter.Owed> owed = new ArrayList<>();
        List<Event> carried = new ArrayList<>();
        for (EventLog.Appended appended : events) {
            EventLog.Pending event = appended.event();
            Event stored = null;
            for (WebhookStore.Subscriber endpoint : endpoints(tx, scopes, event)) {
                if (endpoint.takes(event.type())) {
                    owed.add(new DeliveryWriter.Owed(endpoint.id(), event.accountId(), event.mode(), event.id(),
                            appended.cursor(), event.type().wire(), event.conversationId()));
                    if (stored == null) {
                        stored = NewDeliveries.stored(appended); // once per event, however many endpoints take it
                    }
                    carried.add(stored);
                }
            }
        }
        if (!owed.isEmpty()) {
            // handed over before the worker is woken (after-commit hooks run in the order registered), so that it
            // finds them when it claims their jobs
            handoff.afterCommit(tx, writer.insert(tx, owed, events.getFirst().event().createdAt()), carried);
            writer.wakeAfterCommit(tx);
        }
    }
}
