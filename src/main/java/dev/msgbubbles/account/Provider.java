package dev.msgbubbles.account;

import java.util.Optional;

/** The backend behind a number. */
public enum Provider {
    SANDBOX("sandbox"), BLUEBUBBLES("bluebubbles"), TWILIO("twilio"), WHATSAPP_CLOUD("whatsapp-cloud"), KANNEL("kannel");

    private final String wire;

    Provider(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<Provider> fromWire(String value) {
        for (Provider provider : values()) {
            if (provider.wire.equals(value)) {
                return Optional.of(provider);
            }
        }
        return Optional.empty();
    }
}
