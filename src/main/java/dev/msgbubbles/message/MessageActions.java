package dev.msgbubbles.message;

import dev.msgbubbles.account.Principal;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.event.EventType;
import dev.msgbubbles.queue.JobQueue;
import java.text.BreakIterator;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Actions on a message: react (iMessage and WhatsApp, once delivered), edit and unsend (iMessage only, once
 * sent), retry (failed only). Each commits its change and event together with an {@link ActionJob} that
 * tells the backend; the request does not wait for the backend. Refusals that depend on the message's state
 * are 409 {@code conflict}.
 */
public final class MessageActions {
    static final Set<String> TAPBACKS = Set.of("love", "like", "dislike", "laugh", "emphasize", "question");

    private final Database db;
    private final Clock clock;
    private final JobQueue queue;
    private final Lifecycle lifecycle;
    private final Messages messages;
    private final MessageStore store = new MessageStore();
    private final EventLog events;

    private final AttachmentLinks links;

    MessageActions(Database db, Clock clock, JobQueue queue, Lifecycle lifecycle, Messages messages, EventLog events,
                   dev.msgbubbles.attachment.Attachments attachments) {
        this.links = new AttachmentLinks(attachments, store);
        this.events = events;
        this.db = db;
        this.clock = clock;
        this.queue = queue;
        this.lifecycle = lifecycle;
        this.messages = messages;
    }

    public MessageView react(Principal p, UUID id, String reaction, boolean remove) {
        if (reaction == null || !(TAPBACKS.contains(reaction) || isSingleEmoji(reaction))) {
            throw ApiException.invalid("reaction", "reaction must be one of love, like, dislike, laugh, emphasize, "
                    + "question, or a single emoji");
        }
        Instant now = clock.instant();
        db.writeVoid(tx -> {
            // locked: the reaction changes nothing on the message, so no guarded update would notice an unsend
            // committing between this read and this commit (PostgreSQL), and the reaction would go to an unsent message
            Message m = store.findForUpdate(tx, p.accountId(), p.mode(), id)
                    .orElseThrow(() -> ApiException.notFound("message"));
            // a message not carried yet (queued) or never (failed) has no channel: its status is what stands in the way
            if (m.channel() != null && m.channel() != ChannelType.IMESSAGE && m.channel() != ChannelType.WHATSAPP) {
                throw conflict("reactions work on iMessage and WhatsApp messages only");
            }
            boolean delivered = m.status() == MessageStatus.DELIVERED || m.status() == MessageStatus.READ
                    || m.status() == MessageStatus.RECEIVED;
            if (!delivered) {
                throw conflict("a message can be reacted to once delivered; this one is " + m.status().wire());
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("message_id", m.id());
            data.put("conversation_id", m.conversationId());
            data.put("handle", m.direction() == Message.Direction.OUTBOUND ? m.fromHandle() : m.to());
            data.put("reaction", reaction);
            data.put("removed", remove);
            events.append(tx, m.accountId(), m.mode(), EventType.MESSAGE_REACTION, m.conversationId(), data, now);
            enqueue(tx, m, "react|" + (remove ? "remove" : "add") + "|" + reaction, now);
        });
        return messages.get(p, id, false);
    }

    public MessageView edit(Principal p, UUID id, String text) {
        if (text == null || text.isEmpty() || text.codePointCount(0, text.length()) > SendMessage.MAX_TEXT) {
            throw ApiException.invalid("text", "text is required and limited to " + SendMessage.MAX_TEXT + " characters");
        }
        Instant now = clock.instant();
        db.writeVoid(tx -> {
            Message m = owned(tx, p, id);
            requireCarriedIMessage(m, "edited");
            if (!lifecycle.edited(tx, id, text, now)) {
                throw changedMeanwhile(tx, p, id, "edited");
            }
            enqueue(tx, m, "edit", now);
        });
        return messages.get(p, id, false);
    }

    public MessageView unsend(Principal p, UUID id) {
        Instant now = clock.instant();
        db.writeVoid(tx -> {
            Message m = owned(tx, p, id);
            requireCarriedIMessage(m, "unsent");
            if (!lifecycle.unsent(tx, id, now)) {
                throw changedMeanwhile(tx, p, id, "unsent");
            }
            enqueue(tx, m, "unsend", now);
        });
        return messages.get(p, id, false);
    }

    public MessageView retry(Principal p, UUID id) {
        Instant now = clock.instant();
        db.writeVoid(tx -> {
            Message m = owned(tx, p, id);
            if (m.status() != MessageStatus.FAILED) {
                throw conflict("only a failed message can be retried; this one is " + m.status().wire());
            }
            links.renew(tx, m); // before the transition, whose event then carries them (rolled back with it if it fails)
            if (!lifecycle.requeued(tx, id, now)) {
                throw changedMeanwhile(tx, p, id, "retried");
            }
            queue.enqueue(tx, new JobQueue.NewJob(SendJob.KIND, id.toString(), m.conversationId().toString(), null, now), now);
        });
        return messages.get(p, id, false);
    }

    private Message owned(Handle tx, Principal p, UUID id) {
        return store.find(tx, p.accountId(), p.mode(), id).orElseThrow(() -> ApiException.notFound("message"));
    }

    /**
     * The message's state allowed the action when it was read, but the guarded change found it gone: a concurrent
     * request (or a receipt) changed it first (on PostgreSQL, transactions read the same row side by side). The action
     * is refused as it would have been a moment later, and nothing is written or queued (the transaction rolls back).
     */
    private ApiException changedMeanwhile(Handle tx, Principal p, UUID id, String verb) {
        return conflict("the message changed while this request ran and can no longer be " + verb + "; it is now "
                + owned(tx, p, id).status().wire());
    }

    private static void requireCarriedIMessage(Message m, String verb) {
        if (m.direction() != Message.Direction.OUTBOUND) {
            throw conflict("only your own messages can be " + verb);
        }
        if (m.channel() != null && m.channel() != ChannelType.IMESSAGE) {
            throw conflict("only iMessage messages can be " + verb + "; " + m.channel().wire() + " has no such feature");
        }
        if (m.status() != MessageStatus.SENT && m.status() != MessageStatus.DELIVERED && m.status() != MessageStatus.READ) {
            throw conflict("a message can be " + verb + " once it has been sent; this one is " + m.status().wire());
        }
    }

    private void enqueue(Handle tx, Message m, String payload, Instant now) {
        queue.enqueue(tx, new JobQueue.NewJob(ActionJob.KIND, m.id().toString(), "message:" + m.id(), payload, now), now);
    }

    private static ApiException conflict(String message) {
        return new ApiException(ErrorCode.CONFLICT, message);
    }

    /**
     * Exactly one user-perceived character that is an emoji (flags, skin tones, ZWJ sequences and keycaps
     * included). Plain ASCII digits, {@code #} and {@code *} count as emoji in Unicode only as keycap bases, so
     * an emoji must contain a non-ASCII emoji code point or the keycap mark U+20E3.
     */
    static boolean isSingleEmoji(String text) {
        if (text.isEmpty()) {
            return false;
        }
        BreakIterator graphemes = BreakIterator.getCharacterInstance();
        graphemes.setText(text);
        if (graphemes.next() != text.length()) {
            return false;
        }
        return text.codePoints().anyMatch(c -> c == 0x20E3 || (c > 0x7F && Character.isEmoji(c)))
                && text.codePoints().noneMatch(c -> Character.isLetter(c) || Character.isWhitespace(c));
    }
}
