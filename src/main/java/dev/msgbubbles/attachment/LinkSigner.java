package dev.msgbubbles.attachment;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed, expiring links that need no API key: downloads ({@code GET /media/attachments/:id}) and presigned uploads
 * ({@code PUT /media/uploads/:id}). The signature is HMAC-SHA256 over purpose, id and expiry with the server's own
 * key (kept in the database, so every process shares it); changing any of them, or waiting past the expiry,
 * invalidates the link.
 */
public final class LinkSigner {
    static final String DOWNLOAD = "download";
    static final String UPLOAD = "upload";

    private final SecretKeySpec key;
    private final Supplier<URI> base;
    private final Clock clock;

    public LinkSigner(byte[] key, Supplier<URI> base, Clock clock) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
        this.base = base;
        this.clock = clock;
    }

    String downloadUrl(UUID id, Duration ttl) {
        return link("/media/attachments/", DOWNLOAD, id, ttl);
    }

    String uploadUrl(UUID id, Duration ttl) {
        return link("/media/uploads/", UPLOAD, id, ttl);
    }

    private String link(String path, String purpose, UUID id, Duration ttl) {
        long expires = clock.instant().plus(ttl).getEpochSecond();
        return base.get() + path + id + "?expires=" + expires + "&signature=" + signature(purpose, id, expires);
    }

    /** Whether a link's {@code expires} and {@code signature} are ours for this purpose and id, and not expired. */
    boolean valid(String purpose, UUID id, String expires, String signature) {
        if (expires == null || signature == null || expires.length() > 19) {
            return false;
        }
        long at;
        try {
            at = Long.parseLong(expires);
        } catch (NumberFormatException e) {
            return false;
        }
        byte[] expected = signature(purpose, id, at).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII))
                && clock.instant().getEpochSecond() <= at;
    }

    private String signature(String purpose, UUID id, long expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] digest = mac.doFinal((purpose + "|" + id + "|" + expires).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is in every JDK", e);
        }
    }
}
