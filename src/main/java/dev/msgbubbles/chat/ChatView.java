package dev.msgbubbles.chat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The documented chat object, plus {@code participants} (the contacts in the thread, without our number). */
public record ChatView(UUID id, String fromHandle, String remoteHandle, boolean isGroup, String title,
                       List<String> participants, Instant lastMessageAt, Instant createdAt, Instant updatedAt) {

    public static ChatView of(Conversation c) {
        return new ChatView(c.id(), c.fromHandle(), c.remoteHandle(), c.group(), c.title(), c.participants(),
                c.lastMessageAt(), c.createdAt(), c.updatedAt());
    }
}
