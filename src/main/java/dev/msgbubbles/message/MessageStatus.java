package dev.msgbubbles.message;

import java.util.Locale;
import java.util.Optional;

/**
 * The lifecycle: {@code queued/scheduled → sent → delivered → read}; {@code failed} and {@code unsent} end it
 * (until a retry); {@code canceled} ends a scheduled message cancelled before its time; inbound messages are
 * {@code received}. {@link #rank} orders the happy path so that late or duplicate receipts never move a status
 * back.
 */
public enum MessageStatus {
    SCHEDULED(0), QUEUED(0), SENT(1), DELIVERED(2), READ(3), FAILED(4), UNSENT(4), CANCELED(4), RECEIVED(4);

    private final int rank;

    MessageStatus(int rank) {
        this.rank = rank;
    }

    public int rank() {
        return rank;
    }

    /** Computed once: it is bound and serialised several times per message. */
    private final String wire = name().toLowerCase(Locale.ROOT);

    public String wire() {
        return wire;
    }

    /** Every status's wire name, in declaration order, comma-separated: for the error that names them. */
    public static final String WIRE_NAMES = java.util.Arrays.stream(values()).map(MessageStatus::wire)
            .collect(java.util.stream.Collectors.joining(", "));

    public static Optional<MessageStatus> fromWire(String value) {
        for (MessageStatus status : values()) {
            if (status.wire().equals(value)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }
}
