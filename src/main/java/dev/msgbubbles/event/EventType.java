package dev.msgbubbles.event;

import java.util.Optional;

/** Every event type (DECISIONS §8); the wire name is what webhooks and the event API carry. */
public enum EventType {
    MESSAGE_RECEIVED("message.received"),
    MESSAGE_QUEUED("message.queued"),
    MESSAGE_SENT("message.sent"),
    MESSAGE_DELIVERED("message.delivered"),
    MESSAGE_READ("message.read"),
    MESSAGE_FAILED("message.failed"),
    MESSAGE_REACTION("message.reaction"),
    MESSAGE_EDITED("message.edited"),
    MESSAGE_UNSENT("message.unsent"),
    CONVERSATION_TYPING("conversation.typing"),
    CHAT_CREATED("chat.created"),
    CHAT_UPDATED("chat.updated"),
    CHAT_PARTICIPANT_ADDED("chat.participant_added"),
    CHAT_PARTICIPANT_REMOVED("chat.participant_removed"),
    NUMBER_STATUS_CHANGED("number.status_changed");

    private final String wire;

    EventType(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<EventType> fromWire(String name) {
        for (EventType type : values()) {
            if (type.wire.equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
