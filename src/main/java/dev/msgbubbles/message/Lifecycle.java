package dev.msgbubbles.message;

import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.event.EventType;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Status changes of a message, each in the caller's transaction together with its timeline row and its event
 * (carrying a snapshot of the message). A change that would move a status backwards, or repeat it, is
 * refused by the guard in SQL and does nothing: duplicate and late receipts are harmless.
 */
final class Lifecycle {
    private static final List<MessageStatus> UNSENT_YET = List.of(MessageStatus.QUEUED, MessageStatus.SCHEDULED);
    private static final List<MessageStatus> BEFORE_DELIVERED =
            List.of(MessageStatus.QUEUED, MessageStatus.SCHEDULED, MessageStatus.SENT);
    private static final List<MessageStatus> BEFORE_READ =
            List.of(MessageStatus.QUEUED, MessageStatus.SCHEDULED, MessageStatus.SENT, MessageStatus.DELIVERED);

    private final MessageStore store;
    private final EventLog events;

    Lifecycle(MessageStore store, EventLog events) {
        this.store = store;
        this.events = events;
    }

    /** Records the creation of an outbound message: timeline and {@code message.queued}. */
    void created(Handle tx, Message message) {
        store.addTimeline(tx, message.id(), message.status(), null, null, message.createdAt());
        events.append(tx, message.accountId(), message.mode(), EventType.MESSAGE_QUEUED, message.conversationId(),
                MessageView.of(message), message.createdAt());
    }

    boolean sent(Handle tx, UUID id, ChannelType channel, String detail, Instant at) {
        return store.transition(tx, id, UNSENT_YET, MessageStatus.SENT, ", channel = :channel, sent_at = :at",
                Map.of("channel", channel.wire(), "at", at.toEpochMilli()), at)
                && recorded(tx, id, MessageStatus.SENT, channel, detail, EventType.MESSAGE_SENT, at);
    }

    boolean delivered(Handle tx, UUID id, Instant at) {
        return store.transition(tx, id, BEFORE_DELIVERED, MessageStatus.DELIVERED,
                ", delivered_at = :at, sent_at = COALESCE(sent_at, :at)", Map.of("at", at.toEpochMilli()), at)
                && recorded(tx, id, MessageStatus.DELIVERED, null, null, EventType.MESSAGE_DELIVERED, at);
    }

    boolean read(Handle tx, UUID id, Instant at) {
        return store.transition(tx, id, BEFORE_READ, MessageStatus.READ,
                ", read_at = :at, delivered_at = COALESCE(delivered_at, :at), sent_at = COALESCE(sent_at, :at)",
                Map.of("at", at.toEpochMilli()), at)
                && recorded(tx, id, MessageStatus.READ, null, null, EventType.MESSAGE_READ, at);
    }

    boolean failed(Handle tx, UUID id, String code, String message, ChannelType channel, Instant at) {
        return store.transition(tx, id, UNSENT_YET, MessageStatus.FAILED,
                ", error_code = :code, error_message = :message", Map.of("code", code, "message", message), at)
                && recorded(tx, id, MessageStatus.FAILED, channel, code, EventType.MESSAGE_FAILED, at);
    }

    private boolean recorded(Handle tx, UUID id, MessageStatus status, ChannelType channel, String detail, EventType type,
                             Instant at) {
        Message message = store.findById(tx, id).orElseThrow();
        store.addTimeline(tx, id, status, channel == null ? message.channel() : channel, detail, at);
        events.append(tx, message.accountId(), message.mode(), type, message.conversationId(), MessageView.of(message), at);
        return true;
    }
}
