package dev.msgbubbles.account;

import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * A number an account sends from. {@code channels} is kept in {@link ChannelType} order; {@code provider}
 * names the backend that carries it (test-mode numbers always use the sandbox).
 */
public record AccountNumber(UUID id, UUID accountId, Mode mode, String handle, List<ChannelType> channels,
                            String label, Status status, Provider provider, Instant createdAt) {

    public enum Status { ONLINE, OFFLINE }

    /** The documented number object ({@code GET /v1/numbers}, and the data of {@code number.status_changed}). */
    public record View(String handle, List<String> channels, String label, String status) {
    }

    /** This number with {@code status}. */
    public AccountNumber withStatus(Status status) {
        return new AccountNumber(id, accountId, mode, handle, channels, label, status, provider, createdAt);
    }

    public View view() {
        return new View(handle, channels.stream().map(ChannelType::wire).toList(), label,
                status.name().toLowerCase(Locale.ROOT));
    }

    /**
     * Told of a number whose status changed, inside the transaction that changes it, so that what it writes (the
     * {@code number.status_changed} event and its webhook deliveries) commits with the change or not at all.
     */
    @FunctionalInterface
    public interface StatusListener {
        StatusListener NONE = (tx, number, at) -> { };

        void changed(org.jdbi.v3.core.Handle tx, AccountNumber number, Instant at);
    }
}
