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
}
