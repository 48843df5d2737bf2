package dev.msgbubbles.common;

import java.util.Locale;
import java.util.Optional;

/** The three messaging networks, in the order a send prefers them (WhatsApp only on request). */
public enum ChannelType {
    IMESSAGE, SMS, WHATSAPP;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
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
