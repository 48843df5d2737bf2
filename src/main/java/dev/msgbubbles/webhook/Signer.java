package dev.msgbubbles.webhook;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
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
    /** Most secrets keyed at once: a few per endpoint signing now (its current one and up to three retired). */
    static final int KEYED_MAX = 10_000;
    /**
     * A keyed Mac per secret in use: at most {@link #KEYED_MAX}, the least used going first, and none kept for a
     * secret unused for an hour (a retired secret, a removed endpoint's: key material has no business staying in
     * memory). A map cleared when full dropped the secrets in use with the rest, all at once. Its upkeep runs on
     * the signing thread (see RateLimiter).
     */
    private static final Cache<String, Mac> KEYED = Caffeine.newBuilder().maximumSize(KEYED_MAX)
            .expireAfterAccess(Duration.ofHours(1)).executor(Runnable::run).build();

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

    /**
     * The secrets that sign at {@code now}: the current one, then each retired one still in its overlap, newest first
     * (at most {@link Webhook#MAX_RETIRED_SECRETS} of those).
     */
    public static List<String> secretsInForce(Webhook webhook, Instant now) {
        if (webhook.retiredSecrets().isEmpty()) {
            return List.of(webhook.secret());
        }
        List<String> secrets = new ArrayList<>(1 + webhook.retiredSecrets().size());
        secrets.add(webhook.secret());
        for (Webhook.RetiredSecret retired : webhook.retiredSecrets()) {
            if (now.isBefore(retired.until())) {
                secrets.add(retired.secret());
            }
        }
        return secrets;
    }

    /** How many secrets are keyed now (after pending evictions). */
    static long keyedCount() {
        KEYED.cleanUp();
        return KEYED.estimatedSize();
    }

    static String sign(String secret, String eventId, long timestamp, String body) {
        if (!secret.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a webhook secret starts with " + PREFIX);
        }
        Mac mac = keyed(secret);
        byte[] digest = mac.doFinal((eventId + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(digest);
    }

    /** A fresh Mac keyed with {@code secret}: a copy of one keyed once per secret (looking up and keying is most
     * of the cost of signing a small body). */
    private static Mac keyed(String secret) {
        Mac prototype = KEYED.getIfPresent(secret);
        if (prototype == null) {
            byte[] key = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
            try {
                prototype = Mac.getInstance("HmacSHA256");
                prototype.init(new SecretKeySpec(key, "HmacSHA256"));
            } catch (NoSuchAlgorithmException | InvalidKeyException e) {
                throw new IllegalStateException("every JDK has HmacSHA256", e);
            }
            KEYED.put(secret, prototype);
        }
        try {
            return (Mac) prototype.clone(); // the prototype itself is never used, so it is safe to share
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the HmacSHA256 provider cannot copy a keyed Mac", e);
        }
    }
}
