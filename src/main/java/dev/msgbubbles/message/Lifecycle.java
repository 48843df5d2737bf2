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
        return recorded(tx, store.transition(tx, id, UNSENT_YET, MessageStatus.SENT, ", channel = :channel, sent_at = :at",
                Map.of("channel", channel.wire(), "at", at.toEpochMilli()), at), channel, detail, EventType.MESSAGE_SENT, at);
    }

    boolean delivered(Handle tx, UUID id, Instant at) {
        return recorded(tx, store.transition(tx, id, BEFORE_DELIVERED, MessageStatus.DELIVERED,
                ", delivered_at = :at, sent_at = COALESCE(sent_at, :at)", Map.of("at", at.toEpochMilli()), at),
                null, null, EventType.MESSAGE_DELIVERED, at);
    }

    boolean read(Handle tx, UUID id, Instant at) {
        return recorded(tx, store.transition(tx, id, BEFORE_READ, MessageStatus.READ,
                ", read_at = :at, delivered_at = COALESCE(delivered_at, :at), sent_at = COALESCE(sent_at, :at)",
                Map.of("at", at.toEpochMilli()), at), null, null, EventType.MESSAGE_READ, at);
    }

    boolean failed(Handle tx, UUID id, String code, String message, ChannelType channel, Instant at) {
        return recorded(tx, store.transition(tx, id, UNSENT_YET, MessageStatus.FAILED,
                ", error_code = :code, error_message = :message", Map.of("code", code, "message", message), at),
                channel, code, EventType.MESSAGE_FAILED, at);
    }

    private static final List<MessageStatus> CARRIED = List.of(MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ);

    /** Replaces the text of a carried iMessage; false when the message is not in a state that allows it. */
    boolean edited(Handle tx, UUID id, String text, Instant at) {
        int changed = tx.createUpdate("""
                        UPDATE messages SET body = :text, edited_at = :at, updated_at = :at
                        WHERE id = :id AND direction = 'outbound' AND channel = 'imessage'
                          AND status IN ('sent', 'delivered', 'read')""")
                .bind("text", text).bind("at", at.toEpochMilli()).bind("id", id).execute();
        if (changed != 1) {
            return false;
        }
        Message message = store.findById(tx, id).orElseThrow();
        events.append(tx, message.accountId(), message.mode(), EventType.MESSAGE_EDITED, message.conversationId(),
                MessageView.of(message), at);
        return true;
    }

    boolean unsent(Handle tx, UUID id, Instant at) {
        return recorded(tx, store.transition(tx, id, CARRIED, MessageStatus.UNSENT, "", Map.of(), at),
                null, null, EventType.MESSAGE_UNSENT, at);
    }

    /** A failed message queued again: error cleared, channel decided anew, {@code retry_count} counted. */
    boolean requeued(Handle tx, UUID id, Instant at) {
        return recorded(tx, store.transition(tx, id, List.of(MessageStatus.FAILED), MessageStatus.QUEUED,
                ", retry_count = retry_count + 1, error_code = NULL, error_message = NULL, channel = NULL, sent_at = NULL",
                Map.of(), at), null, "retry", EventType.MESSAGE_QUEUED, at);
    }

    /** A scheduled message cancelled before its time. No event type exists for this; the timeline records it. */
    boolean canceled(Handle tx, UUID id, Instant at) {
        if (store.transition(tx, id, List.of(MessageStatus.SCHEDULED), MessageStatus.CANCELED, "", Map.of(), at).isEmpty()) {
            return false;
        }
        store.addTimeline(tx, id, MessageStatus.CANCELED, null, null, at);
        return true;
    }

    /** Timeline row and event for a transition that happened; false (and nothing written) when it did not. */
    private boolean recorded(Handle tx, java.util.Optional<Message> moved, ChannelType channel, String detail,
                             EventType type, Instant at) {
        if (moved.isEmpty()) {
            return false;
        }
        Message message = moved.get();
        store.addTimeline(tx, message.id(), message.status(), channel == null ? message.channel() : channel, detail, at);
        events.append(tx, message.accountId(), message.mode(), type, message.conversationId(), MessageView.of(message), at);
        return true;
    }
}
