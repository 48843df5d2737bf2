package dev.msgbubbles.webhook;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A delivery as the API shows it: where it stands and every attempt (HTTP status, latency, error, the start of
 * the endpoint's answer). {@code nextAttemptAt} is set while it is pending.
 */
public record DeliveryView(UUID id, UUID webhookId, String eventId, String eventType, String status,
                           Instant nextAttemptAt, Instant createdAt, Instant updatedAt, List<AttemptView> attempts) {

    public record AttemptView(int number, Instant attemptedAt, Integer statusCode, long latencyMs, String error,
                              String responseExcerpt) {
    }

    static DeliveryView of(Delivery d, List<Attempt> attempts) {
        return new DeliveryView(d.id(), d.webhookId(), d.eventId(), d.eventType(), d.status().wire(),
                d.status() == DeliveryStatus.PENDING ? d.nextAttemptAt() : null, d.createdAt(), d.updatedAt(),
                attempts.stream().map(a -> new AttemptView(a.number(), a.attemptedAt(), a.statusCode(), a.latencyMs(),
                        a.error(), a.responseExcerpt())).toList());
    }
}
