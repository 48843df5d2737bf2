package dev.msgbubbles.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The webhook object of the API. {@code events} is null when the endpoint receives every event; {@code secret}
 * appears only in the answers to creation (and its idempotent replay) and to a rotation.
 */
public record WebhookView(UUID id, String url, List<String> events, boolean enabled, String disabledReason,
                          Instant createdAt, Instant updatedAt,
                          @JsonInclude(JsonInclude.Include.NON_NULL) String secret) {

    static WebhookView of(Webhook w, boolean revealSecret) {
        return new WebhookView(w.id(), w.url(), w.events(), w.enabled(), w.disabledReason(), w.createdAt(),
                w.updatedAt(), revealSecret ? w.secret() : null);
    }
}
