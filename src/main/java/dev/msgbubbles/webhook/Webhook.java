package dev.msgbubbles.webhook;

import dev.msgbubbles.common.Mode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A stored webhook endpoint. {@code events} is null for every event. {@code retiredSecrets}, newest first, are the
 * secrets rotations replaced that still sign deliveries (next to {@code secret}), each until its own time: at most
 * {@link #MAX_RETIRED_SECRETS}.
 */
public record Webhook(UUID id, UUID accountId, Mode mode, String url, List<String> events, boolean enabled,
                      String disabledReason, String secret, List<RetiredSecret> retiredSecrets,
                      Instant createdAt, Instant updatedAt) {
    /**
     * Retired secrets that may still sign next to the current one. Each signature costs the receiver a check and
     * the header some 50 bytes, so a burst of rotations (a script gone wrong) cannot make every delivery carry dozens;
     * three cover rotating again, and again, within a day, e.g. after a mistaken rotation and its correction.
     */
    public static final int MAX_RETIRED_SECRETS = 3;

    /** A secret a rotation replaced, still signing until {@code until}. */
    public record RetiredSecret(String secret, Instant until) {
    }

    public Webhook {
        retiredSecrets = List.copyOf(retiredSecrets);
    }

    /** This endpoint with {@code fresh} as its secret from {@code now}: the current one signs on for {@code overlap}. */
    Webhook rotated(String fresh, Instant now, java.time.Duration overlap) {
        List<RetiredSecret> retired = new java.util.ArrayList<>();
        retired.add(new RetiredSecret(secret, now.plus(overlap)));
        for (RetiredSecret earlier : retiredSecrets) {
            if (retired.size() < MAX_RETIRED_SECRETS && now.isBefore(earlier.until())) {
                retired.add(earlier);
            }
        }
        return new Webhook(id, accountId, mode, url, events, enabled, disabledReason, fresh, retired, createdAt, now);
    }

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
