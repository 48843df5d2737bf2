package dev.msgbubbles.common;

import java.util.Optional;

/**
 * A documented API error: code, human message and optionally the offending field. Thrown by request
 * parsing and use cases alike and turned into the flat error body in exactly one place (the HTTP edge).
 * The message must be safe to show to the caller; it never carries internal detail.
 */
public final class ApiException extends RuntimeException {
    private final ErrorCode code;
    private final String param;

    public ApiException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public ApiException(ErrorCode code, String message, String param) {
        super(message, null, false, false);
        this.code = code;
        this.param = param;
    }

    public static ApiException invalid(String param, String message) {
        return new ApiException(ErrorCode.INVALID_REQUEST, message, param);
    }

    public static ApiException notFound(String what) {
        return new ApiException(ErrorCode.NOT_FOUND, what + " not found");
    }

    public ErrorCode code() {
        return code;
    }

    public Optional<String> param() {
        return Optional.ofNullable(param);
    }
}
