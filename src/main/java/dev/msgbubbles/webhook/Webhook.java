package dev.msgbubbles.webhook;

import dev.msgbubbles.common.Mode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A stored webhook endpoint. {@code events} is null for every event. {@code previousSecret} still signs
 * deliveries (next to {@code secret}) until {@code previousSecretUntil}.
 */
public record Webhook(UUID id, UUID accountId, Mode mode, String url, List<String> events, boolean enabled,
                      String disabledReason, String secret, String previousSecret, Instant previousSecretUntil,
                      Instant createdAt, Instant updatedAt) {

    /** The event types it takes; null for every type. */
    public java.util.Set<dev.msgbubbles.event.EventType> eventTypes() {
        return typesOf(events);
    }

    /**
     * Whether it takes events of type {@code eventType} (a wire name) now: a delivery of a type it no longer takes
     * is dropped when its turn comes. A plain look in a short list, for the delivery attempt.
     */
    public boolean takes(String eventType) {
        return events == null || events.contains(eventType);
    }

    /** Event type names as types (names this build does not know are left out); null stays null (every type). */
    static java.util.Set<dev.msgbubbles.event.EventType> typesOf(List<String> names) {
        if (names == null) {
            return null;
        }
        java.util.Set<dev.msgbubbles.event.EventType> types = java.util.EnumSet.noneOf(dev.msgbubbles.event.EventType.class);
        names.forEach(name -> dev.msgbubbles.event.EventType.fromWire(name).ifPresent(types::add));
        return types;
    }
}
