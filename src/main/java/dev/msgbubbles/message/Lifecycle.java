package dev.msgbubbles.message;

import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.event.EventType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Status changes of a message, each in the caller's transaction together with its timeline row and its event
 * (carrying a snapshot of the message). A change that would move a status backwards, or repeat it, is
 * refused by the guard in SQL and does nothing: duplicate and late receipts are harmless.
 */
final class Lifecycle {
    private static final List<MessageStatus> UNSENT_YET = MessageStore.UNSENT_YET;
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

    /** A new outbound message with its {@code message.queued} event, prepared before the transaction. */
    record Creation(Message message, EventLog.Pending event) {
    }

    static Creation creation(Message message) {
        return new Creation(message, EventLog.pending(message.accountId(), message.mode(), EventType.MESSAGE_QUEUED,
                message.conversationId(), MessageView.of(message), message.createdAt()));
    }

    /** Stores a new outbound message, its first timeline step and {@code message.queued}. */
    void created(Handle tx, Creation creation) {
        Message message = creation.message();
        store.insert(tx, message, new MessageStore.TimelineRow(message.id(), message.status(), null, null,
                message.createdAt()));
        events.append(tx, List.of(creation.event()));
    }

    /**
     * A send the backend accepted, together with the receipts it already reported as due (the sandbox at time scale
     * 0): one status change to the furthest status, and a timeline row and an event per step, each event carrying
     * the message as it was at that step. Everything is derived from the message as read before sending, off the
     * writer; the status guard in {@link #sent(Handle, Sending)} is what decides whether it happens.
     */
    record Sending(UUID id, MessageStatus status, ChannelType channel, Instant at, Instant deliveredAt, Instant readAt,
                   List<MessageStore.TimelineRow> timeline, List<EventLog.Pending> events) {
        MessageStore.Sent recorded() {
            return new MessageStore.Sent(id, status, channel, at, deliveredAt, readAt, timeline);
        }
    }

    static Sending sending(Message before, ChannelType channel, String detail, List<MessageStatus> dueReceipts, Instant at) {
        List<MessageStore.TimelineRow> timeline = new ArrayList<>(3);
        List<EventLog.Pending> pending = new ArrayList<>(3);
        Message step = moved(before, MessageStatus.SENT, channel, at, null, null, at);
        timeline.add(new MessageStore.TimelineRow(before.id(), MessageStatus.SENT, channel, detail, at));
        pending.add(EventLog.pending(before.accountId(), before.mode(), EventType.MESSAGE_SENT, before.conversationId(),
                MessageView.of(step), at));
        Instant delivered = null;
        Instant read = null;
        if (dueReceipts.contains(MessageStatus.DELIVERED)) {
            delivered = at;
            step = moved(step, MessageStatus.DELIVERED, channel, at, at, null, at);
            timeline.add(new MessageStore.TimelineRow(before.id(), MessageStatus.DELIVERED, channel, null, at));
            pending.add(EventLog.pending(before.accountId(), before.mode(), EventType.MESSAGE_DELIVERED,
                    before.conversationId(), MessageView.of(step), at));
        }
        if (dueReceipts.contains(MessageStatus.READ)) {
            delivered = at;
            read = at;
            step = moved(step, MessageStatus.READ, channel, at, at, at, at);
            timeline.add(new MessageStore.TimelineRow(before.id(), MessageStatus.READ, channel, null, at));
            pending.add(EventLog.pending(before.accountId(), before.mode(), EventType.MESSAGE_READ,
                    before.conversationId(), MessageView.of(step), at));
        }
        return new Sending(before.id(), step.status(), channel, at, delivered, read, List.copyOf(timeline), List.copyOf(pending));
    }

    /** Applies a prepared send; false (and nothing written) when the message is no longer waiting to be sent. */
    boolean sent(Handle tx, Sending s) {
        if (!store.sentNow(tx, s.recorded())) {
            return false;
        }
        events.append(tx, s.events());
        return true;
    }

    /**
     * Applies a prepared send whose outcome the caller does not need: on PostgreSQL together with the transaction's
     * other sends at its end (see {@link MessageStore#sentLater}), its events appended if the message was still
     * waiting to be sent; otherwise at once, like {@link #sent}.
     */
    void sentLater(Handle tx, Sending s) {
        store.sentLater(tx, s.recorded(), () -> events.append(tx, s.events()));
    }

    private static Message moved(Message m, MessageStatus status, ChannelType channel, Instant sent, Instant delivered,
                                 Instant read, Instant at) {
        return new Message(m.id(), m.accountId(), m.mode(), m.conversationId(), m.direction(), status, channel,
                m.fromHandle(), m.to(), m.text(), m.effect(), m.replyTo(), m.requestedChannel(), m.metadata(),
                m.errorCode(), m.errorMessage(), m.scheduledAt(), sent, delivered, read, m.editedAt(), m.retryCount(),
                m.createdAt(), at, m.attachments(), m.voiceMemo());
    }

    boolean delivered(Handle tx, UUID id, Instant at) {
        return recorded(tx, store.transition(tx, id, BEFORE_DELIVERED, MessageStatus.DELIVERED,
                ", delivered_at = ?, sent_at = COALESCE(sent_at, ?)", List.of(at, at),
                onItsChannel(MessageStatus.DELIVERED, at), at), EventType.MESSAGE_DELIVERED, at);
    }

    /**
     * A read message was delivered: when the read receipt comes first (a network that never reports delivery,
     * or both receipts due at once and applied in either order), {@code delivered} is recorded just before it,
     * so every consumer sees {@code message.delivered} then {@code message.read}, and the late delivery receipt
     * changes nothing.
     */
    boolean read(Handle tx, UUID id, Instant at) {
        delivered(tx, id, at);
        return recorded(tx, store.transition(tx, id, BEFORE_READ, MessageStatus.READ,
                ", read_at = ?, delivered_at = COALESCE(delivered_at, ?), sent_at = COALESCE(sent_at, ?)",
                List.of(at, at, at), onItsChannel(MessageStatus.READ, at), at), EventType.MESSAGE_READ, at);
    }

    boolean failed(Handle tx, UUID id, String code, String message, ChannelType channel, Instant at) {
        return failed(tx, id, code, message, channel, code, at);
    }

    /** As above, the timeline step saying {@code detail} (the code, followed by what more there is to say). */
    boolean failed(Handle tx, UUID id, String code, String message, ChannelType channel, String detail, Instant at) {
        return recorded(tx, store.transition(tx, id, UNSENT_YET, MessageStatus.FAILED,
                ", error_code = ?, error_message = ?", java.util.Arrays.asList(code, message),
                new MessageStore.Step(MessageStatus.FAILED, channel, channel == null, detail, at), at),
                EventType.MESSAGE_FAILED, at);
    }

    private static final List<MessageStatus> CARRIED = List.of(MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ);

    /** Replaces the text of a carried iMessage; false when the message is not in a state that allows it. */
    boolean edited(Handle tx, UUID id, String text, Instant at) {
        MessageStore.settleHeld(tx);
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
        return recorded(tx, store.transition(tx, id, CARRIED, MessageStatus.UNSENT, "", List.of(),
                onItsChannel(MessageStatus.UNSENT, at), at), EventType.MESSAGE_UNSENT, at);
    }

    /** A failed message queued again: error cleared, channel decided anew, {@code retry_count} counted. */
    boolean requeued(Handle tx, UUID id, Instant at) {
        return recorded(tx, store.transition(tx, id, List.of(MessageStatus.FAILED), MessageStatus.QUEUED,
                ", retry_count = retry_count + 1, error_code = NULL, error_message = NULL, channel = NULL, sent_at = NULL",
                List.of(), new MessageStore.Step(MessageStatus.QUEUED, null, false, "retry", at), at),
                EventType.MESSAGE_QUEUED, at);
    }

    /** A scheduled message cancelled before its time. No event type exists for this; the timeline records it. */
    boolean canceled(Handle tx, UUID id, Instant at) {
        return store.transition(tx, id, List.of(MessageStatus.SCHEDULED), MessageStatus.CANCELED, "", List.of(),
                new MessageStore.Step(MessageStatus.CANCELED, null, false, null, at), at).isPresent();
    }

    /** A timeline step on the channel the message already has (the transition does not change it). */
    private static MessageStore.Step onItsChannel(MessageStatus status, Instant at) {
        return new MessageStore.Step(status, null, true, null, at);
    }

    /** The event of a transition that happened (its timeline step went with it); false when it did not happen. */
    private boolean recorded(Handle tx, java.util.Optional<Message> moved, EventType type, Instant at) {
        if (moved.isEmpty()) {
            return false;
        }
        Message message = moved.get();
        events.append(tx, message.accountId(), message.mode(), type, message.conversationId(), MessageView.of(message), at);
        return true;
    }
}
