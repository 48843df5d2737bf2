package dev.msgbubbles.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signing (standardwebhooks.com): {@code webhook-id} (the event id, the same on every retry),
 * {@code webhook-timestamp} (unix seconds of the attempt) and {@code webhook-signature}, a space-separated list
 * of {@code v1,<base64 HMAC-SHA256 over "id.timestamp.body">}, one per secret in force. A secret is
 * {@code whsec_} followed by the base64 of the key bytes.
 */
public final class Signer {
    private static final String PREFIX = "whsec_";

    private Signer() {
    }

    /** The three headers of one delivery attempt. */
    public static Map<String, String> headers(String eventId, Instant attemptAt, String body, List<String> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one secret signs a delivery");
        }
        long timestamp = attemptAt.getEpochSecond();
        List<String> signatures = new ArrayList<>(secrets.size());
        for (String secret : secrets) {
            signatures.add("v1," + sign(secret, eventId, timestamp, body));
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("webhook-id", eventId);
        headers.put("webhook-timestamp", Long.toString(timestamp));
        headers.put("webhook-signature", String.join(" ", signatures));
        return headers;
    }

    /** The secrets that sign at {@code now}: the current one, and the previous one during its overlap. */
    public static List<String> secretsInForce(Webhook webhook, Instant now) {
        if (webhook.previousSecret() != null && webhook.previousSecretUntil() != null
                && now.isBefore(webhook.previousSecretUntil())) {
            return List.of(webhook.secret(), webhook.previousSecret());
        }
        return List.of(webhook.secret());
    }

    static String sign(String secret, String eventId, long timestamp, String body) {
        if (!secret.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a webhook secret starts with " + PREFIX);
        }
        byte[] key = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] digest = mac.doFinal((eventId + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }
}
