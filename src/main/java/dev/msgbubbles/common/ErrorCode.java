package dev.msgbubbles.common;

/** Every documented error code with its HTTP status. Clients branch on {@link #code()}, never on text. */
public enum ErrorCode {
    INVALID_REQUEST(400, "invalid_request"),
    INVALID_HANDLE(400, "invalid_handle"),
    INVALID_FROM_HANDLE(400, "invalid_from_handle"),
    INVALID_ATTACHMENTS(400, "invalid_attachments"),
    INVALID_URL(400, "invalid_url"),
    UNAUTHORIZED(401, "unauthorized"),
    FORBIDDEN(403, "forbidden"),
    NOT_FOUND(404, "not_found"),
    METHOD_NOT_ALLOWED(405, "method_not_allowed"),
    CONFLICT(409, "conflict"),
    NOT_A_GROUP(409, "not_a_group"),
    IDEMPOTENCY_KEY_REUSED(409, "idempotency_key_reused"),
    IDEMPOTENCY_IN_PROGRESS(409, "idempotency_in_progress"),
    /**
     * A catch-up cursor ({@code after}, {@code Last-Event-ID}) behind the event retention: events after it were
     * removed, so resuming there would skip them.
     */
    CURSOR_EXPIRED(410, "cursor_expired"),
    PAYLOAD_TOO_LARGE(413, "payload_too_large"),
    /** A {@code Range} no byte of the file satisfies (downloads). */
    RANGE_NOT_SATISFIABLE(416, "range_not_satisfiable"),
    RATE_LIMITED(429, "rate_limited"),
    INTERNAL_ERROR(500, "internal_error"),
    /** The {@code *_failed} family: the network refused or could not do a synchronous operation (safe to retry). */
    RENAME_FAILED(502, "rename_failed"),
    ADD_PARTICIPANT_FAILED(502, "add_participant_failed"),
    REMOVE_PARTICIPANT_FAILED(502, "remove_participant_failed"),
    MARK_READ_FAILED(502, "mark_read_failed"),
    TYPING_FAILED(502, "typing_failed"),
    UNAVAILABLE(503, "unavailable"),
    DEVICE_OFFLINE(503, "device_offline");

    private final int status;
    private final String code;

    ErrorCode(int status, String code) {
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
