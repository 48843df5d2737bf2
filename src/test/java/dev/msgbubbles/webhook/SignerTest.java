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
                true, null, fresh, List.of(new Webhook.RetiredSecret(old, now.plus(Duration.ofHours(24)))), now, now);

        List<String> inForce = Signer.secretsInForce(rotated, now);
        Map<String, String> signed = Signer.headers("evt_1", now, BODY, inForce);

        assertThat(inForce).containsExactly(fresh, old);
        assertThat(signed.get("webhook-signature").split(" ")).hasSize(2);
        assertThatCode(() -> new com.standardwebhooks.Webhook(old).verify(BODY, asHeaders(signed))).doesNotThrowAnyException();
        assertThatCode(() -> new com.standardwebhooks.Webhook(fresh).verify(BODY, asHeaders(signed))).doesNotThrowAnyException();
        assertThat(Signer.secretsInForce(rotated, now.plus(Duration.ofHours(24)))).containsExactly(fresh);
    }

    @Test
    void rotations_within_a_day_keep_each_retired_secret_signing_for_its_own_day_up_to_three_of_them() {
        // a second rotation within 24 h used to retire the first secret at once
        Instant start = Instant.now().minus(Duration.ofHours(30));
        String first = secret();
        Webhook w = new Webhook(UUID.randomUUID(), UUID.randomUUID(), Mode.TEST, "https://93.184.216.34/h", null, true,
                null, first, List.of(), start, start);
        List<String> secrets = new java.util.ArrayList<>(List.of(first));
        for (int hour : new int[] {0, 10, 20, 21, 22}) {
            String next = secret();
            w = w.rotated(next, start.plus(Duration.ofHours(hour)), Duration.ofHours(24));
            secrets.add(next);
        }
        // at hour 22: the current secret and the three newest retired ones (hours 21, 20, 10); the two oldest left
        // for the cap, though within their day
        Instant at22 = start.plus(Duration.ofHours(22));
        assertThat(w.retiredSecrets()).hasSize(Webhook.MAX_RETIRED_SECRETS);
        List<String> inForce = Signer.secretsInForce(w, at22);
        assertThat(inForce).containsExactly(secrets.get(5), secrets.get(4), secrets.get(3), secrets.get(2));
        // each until a day after it was retired: the secret retired at hour 20 until hour 44
        assertThat(Signer.secretsInForce(w, start.plus(Duration.ofHours(43)))).contains(secrets.get(2));
        assertThat(Signer.secretsInForce(w, start.plus(Duration.ofHours(44)))).doesNotContain(secrets.get(2))
                .contains(secrets.get(3));
        assertThat(Signer.secretsInForce(w, start.plus(Duration.ofHours(46)))).containsExactly(secrets.get(5));

        // the header: space-separated v1,<signature>, one per secret; a stock verifier holding any of them accepts it
        Instant now = Instant.now();
        Webhook signing = new Webhook(w.id(), w.accountId(), w.mode(), w.url(), null, true, null, secrets.get(5),
                List.of(new Webhook.RetiredSecret(secrets.get(4), now.plusSeconds(60)),
                        new Webhook.RetiredSecret(secrets.get(3), now.plusSeconds(60)),
                        new Webhook.RetiredSecret(secrets.get(2), now.plusSeconds(60))), now, now);
        Map<String, String> signed = Signer.headers("evt_1", now, BODY, Signer.secretsInForce(signing, now));
        assertThat(signed.get("webhook-signature")).matches("v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+){3}");
        for (String secret : secrets.subList(2, 6)) {
            assertThatCode(() -> new com.standardwebhooks.Webhook(secret).verify(BODY, asHeaders(signed)))
                    .doesNotThrowAnyException();
        }
        assertThatThrownBy(() -> new com.standardwebhooks.Webhook(secrets.get(1)).verify(BODY, asHeaders(signed)))
                .isInstanceOf(WebhookVerificationException.class);
    }

    @Test
    void the_keyed_secrets_are_bounded_however_many_endpoints_sign() {
        String hot = secret();
        for (int i = 0; i < Signer.KEYED_MAX + 500; i++) {
            Signer.sign(secret(), "evt_1", 1, BODY);
            if (i % 100 == 0) {
                Signer.sign(hot, "evt_1", 1, BODY);
            }
        }
        assertThat(Signer.keyedCount()).isLessThanOrEqualTo(Signer.KEYED_MAX);
        Map<String, String> signed = Signer.headers("evt_0mh9x1ab2cdeFGHijkLMNopq", Instant.now(), BODY, List.of(hot));
        assertThatCode(() -> new com.standardwebhooks.Webhook(hot).verify(BODY, asHeaders(signed)))
                .doesNotThrowAnyException();
    }
}
