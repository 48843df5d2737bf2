package dev.msgbubbles.common;

import java.util.Locale;
import java.util.Optional;

/** Test or live: every resource belongs to one, and a key of one mode never sees the other's data. */
public enum Mode {
    TEST, LIVE;

    /** Computed once: it is bound and serialised several times per message. */
    private final String wire = name().toLowerCase(Locale.ROOT);

    /** The wire and storage spelling: {@code test} or {@code live}. */
    public String wire() {
        return wire;
    }

    public static Optional<Mode> fromWire(String value) {
        for (Mode mode : values()) {
            if (mode.wire().equals(value)) {
                return Optional.of(mode);
            }
        }
        return Optional.empty();
    }
}
