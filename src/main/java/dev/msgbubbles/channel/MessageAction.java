package dev.msgbubbles.channel;

import java.util.UUID;

/** A follow-up action on a message the backend already carried. */
public sealed interface MessageAction {
    UUID messageId();

    /** A tapback name or one emoji; {@code remove} takes it back. */
    record React(UUID messageId, String reaction, boolean remove) implements MessageAction {
    }

    record Edit(UUID messageId, String text) implements MessageAction {
    }

    record Unsend(UUID messageId) implements MessageAction {
    }
}
