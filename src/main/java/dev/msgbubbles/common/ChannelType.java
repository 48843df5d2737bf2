package dev.msgbubbles.common;

import java.util.Locale;
import java.util.Optional;

/** The three messaging networks, in the order a send prefers them (WhatsApp only on request). */
public enum ChannelType {
    IMESSAGE, SMS, WHATSAPP;

    /** Computed once: it is bound and serialised several times per message. */
    private final String wire = name().toLowerCase(Locale.ROOT);

    public String wire() {
        return wire;
    }

    public static Optional<ChannelType> fromWire(String value) {
        for (ChannelType type : values()) {
            if (type.wire().equals(value)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
