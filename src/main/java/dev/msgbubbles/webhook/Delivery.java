package dev.msgbubbles.webhook;

import dev.msgbubbles.common.Mode;
import java.time.Instant;
import java.util.UUID;

/**
 * One event (or test ping) for one endpoint. {@code eventId} is the {@code webhook-id} of every attempt, and
 * {@code eventCursor} the stored event's cursor, by which the event is loaded; {@code payload} is set only for test
 * pings, which have no stored event (and no cursor). {@code retryStep} is the position in
 * the retry schedule; {@code attempts} counts every attempt made.
 */
public record Delivery(UUID id, UUID webhookId, UUID accountId, Mode mode, String eventId, Long eventCursor,
                       String eventType, String payload, DeliveryStatus status, int attempts, int retryStep,
                       Instant nextAttemptAt, Integer lastStatusCode, String lastError, Instant createdAt, Instant updatedAt) {

    /** A new pending delivery, due now. */
    static Delivery pending(UUID id, UUID webhookId, UUID accountId, Mode mode, String eventId, Long eventCursor,
                            String eventType, String payload, Instant now) {
        return new Delivery(id, webhookId, accountId, mode, eventId, eventCursor, eventType, payload,
                DeliveryStatus.PENDING, 0, 0, now, null, null, now, now);
    }

    /** This delivery as an attempt (or a decision not to attempt) left it at {@code now}. */
    Delivery after(DeliveryStatus status, int attempts, int retryStep, Instant nextAttemptAt, Integer lastStatusCode,
                   String lastError, Instant now) {
        return new Delivery(id, webhookId, accountId, mode, eventId, eventCursor, eventType, payload, status, attempts,
                retryStep, nextAttemptAt, lastStatusCode, lastError, createdAt, now);
    }
}
