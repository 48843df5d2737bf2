package dev.msgbubbles.message;

import dev.msgbubbles.attachment.Attachments;
import dev.msgbubbles.chat.ConversationStore;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Ids;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.WireJson;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Writes;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.event.EventType;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * What contacts do, as reported by a network: messages they send (threaded into the direct conversation of
 * the receiving number, stored as {@code received}, announced as {@code message.received}) and typing. One-time
 * passcodes are dropped before anything is stored: no message, no event.
 */
public final class ReceiveMessage {

    /**
     * One inbound message. {@code number} is ours; {@code from} the contact's handle; {@code group} the group it was
     * written in (a member writing to everyone), or null for the direct thread with {@code from}.
     */
    public record Inbound(UUID accountId, Mode mode, String number, String from, UUID group, String text,
                          ChannelType channel, List<UUID> attachmentIds) {
        public Inbound {
            attachmentIds = attachmentIds == null ? List.of() : List.copyOf(attachmentIds);
        }
    }

    private final Database db;
    private final Clock clock;
    private final MessageStore store = new MessageStore();
    private final ConversationStore conversations;
    private final EventLog events;
    private final Attachments attachments;
    /** Group commit for the hot path (messages without media); see {@link #receive}. */
    private final Writes writes;

    ReceiveMessage(Database db, Writes writes, Clock clock, EventLog events, Attachments attachments) {
        this.writes = writes;
        this.events = events;
        this.attachments = attachments;
        this.db = db;
        this.clock = clock;
        this.conversations = new ConversationStore(clock);
    }

    /**
     * Stores and announces the message; empty when it was a passcode and so suppressed. A message without media is
     * one group-commit unit (nothing in it can be refused), on the writer of its thread; one with media claims them
     * in a transaction of its own, which a lost claim rolls back. A direct thread this process has seen committed
     * comes from memory (threads are never deleted), and then the message and its event payload are prepared before
     * the unit, which only inserts them.
     */
    public Optional<MessageView> receive(Inbound inbound) {
        if (OneTimePasscodes.isPasscode(inbound.text())) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (!inbound.attachmentIds().isEmpty()) {
            return Optional.of(db.write(tx -> MessageView.of(receiveIn(tx, inbound, now))));
        }
        String affinity = ConversationStore.affinity(inbound.accountId(), inbound.mode(), inbound.number(),
                inbound.group() != null ? inbound.group().toString() : inbound.from());
        if (inbound.group() != null) {
            return Optional.of(writes.write(affinity, tx -> MessageView.of(receiveIn(tx, inbound, now))));
        }
        Optional<UUID> known = conversations.knownDirect(inbound.accountId(), inbound.mode(), inbound.number(),
                inbound.from());
        if (known.isPresent()) {
            // a contact this process has seen: the message and its event are prepared here, off the writer, and the
            // unit only inserts them (like a send to a known thread)
            Message message = message(inbound, known.get(), Ids.uuidV7(clock), null, now);
            MessageView view = MessageView.of(message);
            EventLog.Pending event = EventLog.pending(message.accountId(), message.mode(), EventType.MESSAGE_RECEIVED,
                    message.conversationId(), view, now);
            writes.writeVoid(affinity, tx -> {
                store.insert(tx, message, timelineRow(message));
                events.append(tx, List.of(event));
            });
            return Optional.of(view);
        }
        Message message = writes.write(affinity, tx -> receiveIn(tx, inbound, now));
        conversations.committed(inbound.accountId(), inbound.mode(), inbound.number(), inbound.from(),
                message.conversationId());
        return Optional.of(MessageView.of(message));
    }

    Message receiveIn(Handle tx, Inbound in, Instant now) {
        UUID thread = in.group() != null ? in.group()
                : conversations.direct(tx, in.accountId(), in.mode(), in.number(), in.from(), now);
        UUID id = Ids.uuidV7(clock);
        String media = in.attachmentIds().isEmpty() ? null
                : WireJson.write(attachments.claim(tx, in.accountId(), in.mode(), in.attachmentIds(), id));
        Message message = message(in, thread, id, media, now);
        store.insert(tx, message, timelineRow(message));
        events.append(tx, in.accountId(), in.mode(), EventType.MESSAGE_RECEIVED, thread, MessageView.of(message), now);
        return message;
    }

    private static Message message(Inbound in, UUID thread, UUID id, String media, Instant now) {
        return new Message(id, in.accountId(), in.mode(), thread, Message.Direction.INBOUND,
                MessageStatus.RECEIVED, in.channel(), in.from(), in.number(), in.text(), null, null, null, null, null, null,
                null, null, null, null, null, 0, now, now, media, false);
    }

    private static MessageStore.TimelineRow timelineRow(Message message) {
        return new MessageStore.TimelineRow(message.id(), MessageStatus.RECEIVED, message.channel(), null,
                message.createdAt());
    }

    /**
     * A contact started or stopped typing to {@code number} (in {@code group}, or in their direct thread when that is
     * null): a {@code conversation.typing} event.
     */
    public Map<String, Object> typing(UUID accountId, Mode mode, String number, String contact, UUID group, boolean typing) {
        Instant now = clock.instant();
        return db.write(tx -> typingIn(tx, accountId, mode, number, contact, group, typing, now));
    }

    Map<String, Object> typingIn(Handle tx, UUID accountId, Mode mode, String number, String contact, UUID group,
                                 boolean typing, Instant now) {
        UUID thread = group != null ? group : conversations.direct(tx, accountId, mode, number, contact, now);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("conversation_id", thread);
        data.put("handle", contact);
        data.put("typing", typing);
        events.append(tx, accountId, mode, EventType.CONVERSATION_TYPING, thread, data, now);
        return data;
    }

    /** A contact reacted to one of our messages: a {@code message.reaction} event. */
    void reactionIn(Handle tx, Message target, String contact, String reaction, Instant now) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("message_id", target.id());
        data.put("conversation_id", target.conversationId());
        data.put("handle", contact);
        data.put("reaction", reaction);
        data.put("removed", false);
        events.append(tx, target.accountId(), target.mode(), EventType.MESSAGE_REACTION, target.conversationId(), data, now);
    }
}
