package dev.msgbubbles.chat;

import java.time.Instant;
import java.util.UUID;

/** The documented chat object. */
public record ChatView(UUID id, String fromHandle, String remoteHandle, boolean isGroup, String title,
                      Instant lastMessageAt, Instant createdAt, Instant updatedAt) {

    public static ChatView of(Conversation c) {
        return new ChatView(c.id(), c.fromHandle(), c.remoteHandle(), c.group(), c.title(), c.lastMessageAt(),
                c.createdAt(), c.updatedAt());
    }
}
