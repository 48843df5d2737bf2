package dev.msgbubbles.common;

import java.util.Locale;
import java.util.Optional;

/** Test or live: every resource belongs to one, and a key of one mode never sees the other's data. */
public enum Mode {
    TEST, LIVE;

    /** The wire and storage spelling: {@code test} or {@code live}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
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
