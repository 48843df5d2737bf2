package dev.msgbubbles.event;

import dev.msgbubbles.common.Mode;
import java.time.Instant;
import java.util.UUID;

/**
 * A stored event. {@code cursor} orders events of one database; {@code payload} is the JSON of {@code data}
 * as it was when the event happened (a message object is a snapshot, not a live view).
 */
public record Event(long cursor, String id, UUID accountId, Mode mode, EventType type, UUID conversationId,
                    String payload, Instant createdAt) {
}
