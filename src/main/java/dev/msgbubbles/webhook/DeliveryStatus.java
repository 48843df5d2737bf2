package dev.msgbubbles.webhook;

import java.util.Locale;
import java.util.Optional;

/**
 * Where a delivery stands: {@code pending} (an attempt is due or under way), {@code succeeded} (a 2xx came back),
 * {@code failed} (a final answer, or every retry used up) or {@code dropped} (not sent: the URL no longer reaches a
 * public address, or the endpoint was disabled or removed, or stopped taking the event's type, before its turn).
 */
public enum DeliveryStatus {
    PENDING, SUCCEEDED, FAILED, DROPPED;

    private final String wire = name().toLowerCase(Locale.ROOT);

    public String wire() {
        return wire;
    }

    public static Optional<DeliveryStatus> fromWire(String text) {
        for (DeliveryStatus status : values()) {
            if (status.wire.equals(text)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }
}
