package dev.msgbubbles.http;

import dev.msgbubbles.common.ApiException;
import java.util.List;
import java.util.Optional;

/**
 * The {@code Idempotency-Key} request header (DECISIONS §6): absent, or 1–255 printable ASCII characters
 * (0x20–0x7E). Anything else is 400 {@code invalid_request} with {@code param: "Idempotency-Key"}.
 */
final class IdempotencyKeyHeader {
    static final String NAME = "Idempotency-Key";
    static final int MAX_LENGTH = 255;

    private IdempotencyKeyHeader() {
    }

    /**
     * The key of {@code request}. A request with two {@code Idempotency-Key} headers is refused rather than read by
     * its first: which one the client meant is a guess, and a guess that differs between a request and its retry
     * (a proxy that adds its own key, headers reordered) would send the message twice.
     */
    static Optional<String> of(ApiRequest request) {
        List<String> values = request.headerValues(NAME);
        if (values.size() > 1) {
            throw ApiException.invalid(NAME, "send exactly one " + NAME + " header");
        }
        return parse(values.stream().findFirst());
    }

    static Optional<String> parse(Optional<String> header) {
        if (header.isEmpty()) {
            return Optional.empty();
        }
        String value = header.get();
        if (value.isEmpty() || value.length() > MAX_LENGTH || !value.chars().allMatch(c -> c >= 0x20 && c <= 0x7E)) {
            throw ApiException.invalid(NAME, NAME + " must be 1-" + MAX_LENGTH + " printable ASCII characters");
        }
        return Optional.of(value);
    }
}
