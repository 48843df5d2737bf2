package dev.msgbubbles.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.standardwebhooks.exceptions.WebhookVerificationException;
import dev.msgbubbles.common.Mode;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Our signatures checked by the published Standard Webhooks verifier (com.standardwebhooks), not by our code. */
class SignerTest {
    private static final String BODY = "{\"id\":\"evt_0mh9x1ab2cdeFGHijkLMNopq\",\"type\":\"message.delivered\","
            + "\"data\":{\"text\":\"caf\u00e9 \ud83d\ude00\"}}";

    private static String secret() {
        byte[] key = new byte[24];
        new java.security.SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    /** The verifier checks the timestamp against its own clock (±5 minutes), so attempts are signed "now". */
    private static Map<String, List<String>> asHeaders(Map<String, String> signed) {
        return Map.of("webhook-id", List.of(signed.get("webhook-id")),
                "webhook-timestamp", List.of(signed.get("webhook-timestamp")),
                "webhook-signature", List.of(signed.get("webhook-signature")));
    }

    @Test
    void a_stock_verifier_accepts_our_signature_and_headers() {
        String secret = secret();
        Map<String, String> signed = Signer.headers("evt_0mh9x1ab2cdeFGHijkLMNopq", Instant.now(), BODY, List.of(secret));

        assertThat(signed.get("webhook-signature")).startsWith("v1,");
        assertThatCode(() -> new com.standardwebhooks.Webhook(secret).verify(BODY, asHeaders(signed)))
                .doesNotThrowAnyException();
    }

    @Test
    void the_stock_verifier_refuses_a_changed_body_a_changed_id_or_another_secret() throws Exception {
        String secret = secret();
        Map<String, String> signed = Signer.headers("evt_1", Instant.now(), BODY, List.of(secret));
        com.standardwebhooks.Webhook verifier = new com.standardwebhooks.Webhook(secret);

        assertThatThrownBy(() -> verifier.verify(BODY.replace("delivered", "read"), asHeaders(signed)))
                .isInstanceOf(WebhookVerificationException.class);
        Map<String, List<String>> otherId = new java.util.HashMap<>(asHeaders(signed));
        otherId.put("webhook-id", List.of("evt_2"));
        assertThatThrownBy(() -> verifier.verify(BODY, otherId)).isInstanceOf(WebhookVerificationException.class);
        assertThatThrownBy(() -> new com.standardwebhooks.Webhook(secret()).verify(BODY, asHeaders(signed)))
                .isInstanceOf(WebhookVerificationException.class);
    }

    @Test
    void during_a_rotation_both_secrets_sign_and_a_consumer_on_either_one_verifies() {
        String old = secret();
        String fresh = secret();
        Instant now = Instant.now();
        Webhook rotated = new Webhook(UUID.randomUUID(), UUID.randomUUID(), Mode.TEST, "https://93.184.216.34/h", null,
                true, null, fresh, old, now.plus(Duration.ofHours(24)), now, now);

        List<String> inForce = Signer.secretsInForce(rotated, now);
        Map<String, String> signed = Signer.headers("evt_1", now, BODY, inForce);

        assertThat(inForce).containsExactly(fresh, old);
        assertThat(signed.get("webhook-signature").split(" ")).hasSize(2);
        assertThatCode(() -> new com.standardwebhooks.Webhook(old).verify(BODY, asHeaders(signed))).doesNotThrowAnyException();
        assertThatCode(() -> new com.standardwebhooks.Webhook(fresh).verify(BODY, asHeaders(signed))).doesNotThrowAnyException();
        assertThat(Signer.secretsInForce(rotated, now.plus(Duration.ofHours(24)))).containsExactly(fresh);
    }
}
