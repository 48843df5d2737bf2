package dev.msgbubbles.account;

import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A number an account sends from. {@code channels} is kept in {@link ChannelType} order; {@code provider}
 * names the backend that carries it (test-mode numbers always use the sandbox).
 */
public record AccountNumber(UUID id, UUID accountId, Mode mode, String handle, List<ChannelType> channels,
                            String label, Status status, Provider provider, Instant createdAt) {

    public enum Status { ONLINE, OFFLINE }
}
