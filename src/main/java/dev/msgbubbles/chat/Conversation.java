package dev.msgbubbles.chat;

import dev.msgbubbles.common.Mode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A thread. {@code remoteHandle} is null for groups. {@code participants} are the contacts in it (the one contact
 * of a direct thread; a group's members in the order they joined), never our own number. {@code establishedAt} is
 * when the network first accepted a message of a group (null before, and for direct threads).
 */
public record Conversation(UUID id, UUID accountId, Mode mode, String fromHandle, String remoteHandle, boolean group,
                           String title, List<String> participants, Instant establishedAt, Instant lastMessageAt,
                           Instant createdAt, Instant updatedAt) {

    public Conversation {
        participants = List.copyOf(participants);
    }

    /** Whether group operations (rename, membership) apply: an iMessage group the network has created. */
    public boolean established() {
        return group && establishedAt != null;
    }

    Conversation withParticipants(List<String> members) {
        return new Conversation(id, accountId, mode, fromHandle, remoteHandle, group, title, members, establishedAt,
                lastMessageAt, createdAt, updatedAt);
    }
}
