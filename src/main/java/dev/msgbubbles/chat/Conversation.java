package dev.msgbubbles.chat;

import dev.msgbubbles.common.Mode;
import java.time.Instant;
import java.util.UUID;

/** A thread. {@code remoteHandle} is null for groups. */
public record Conversation(UUID id, UUID accountId, Mode mode, String fromHandle, String remoteHandle, boolean group,
                           String title, Instant lastMessageAt, Instant createdAt, Instant updatedAt) {
}
