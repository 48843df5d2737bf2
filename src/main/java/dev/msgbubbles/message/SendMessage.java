package dev.msgbubbles.message;

import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.account.Principal;
import dev.msgbubbles.attachment.Attachment;
import dev.msgbubbles.attachment.Attachments;
import dev.msgbubbles.chat.Conversation;
import dev.msgbubbles.chat.ConversationStore;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Handle;
import dev.msgbubbles.common.Ids;
import dev.msgbubbles.common.WireJson;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Writes;
import dev.msgbubbles.idempotency.IdempotencyStore;
import dev.msgbubbles.queue.JobQueue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.HandleCallback;

/**
 * {@code POST /v1/messages}: validates a send against the caller's numbers and threads, then, in one
 * transaction, reserves the idempotency key, finds or creates the thread, stores the message (queued or
 * scheduled) with its timeline and {@code message.queued} event, and enqueues the send job. A 202 therefore
 * means the message survives a crash right after the reply.
 */
public final class SendMessage {
    public static final String ENDPOINT = "POST /v1/messages";
    static final int MAX_TEXT = 10_000;
    static final int MAX_ATTACHMENTS = 10;
    static final int MAX_METADATA_KEYS = 50;
    static final int MAX_METADATA_KEY = 100;
    static final int MAX_METADATA_VALUE = 500;
    static final Duration MAX_SCHEDULE = Duration.ofDays(30);
    /** iMessage bubble and screen effects. */
    static final Set<String> EFFECTS = Set.of("slam", "loud", "gentle", "invisible_ink", "echo", "spotlight", "balloons",
            "confetti", "love", "lasers", "fireworks", "celebration", "shooting_star");

    /** A parsed request: shapes are checked by the HTTP edge, meaning here. Absent fields are null. */
    public record Command(Principal principal, String idempotencyKey, String fingerprint, String to, String fromHandle,
                          UUID conversationId, String text, List<UUID> attachmentIds, UUID replyTo, String effect,
                          String channel, Boolean voiceMemo, Instant scheduledAt, Map<String, String> metadata) {
    }

    /** The outcome: a new message (202) or the original of a repeated key (200). */
    public sealed interface Result {
        MessageView message();
    }

    /** {@code json} is the message object already serialised (the {@code message.queued} snapshot): reuse it. */
    public record Created(MessageView message, String json) implements Result {
    }

    public record Replayed(MessageView message) implements Result {
    }

    private final Database db;
    private final Writes writes;
    private final Clock clock;
    private final Messages messages;
    private final NumberDirectory numbers;
    private final IdempotencyStore idempotency;
    private final JobQueue queue;
    private final MessageStore store = new MessageStore();
    private final ConversationStore conversations;
    private final Lifecycle lifecycle;
    private final Attachments attachments;
    private final AcceptedSends accepted;

    SendMessage(Messaging.Dependencies d, Messages messages, Lifecycle lifecycle, AcceptedSends accepted) {
        this.db = d.db();
        this.writes = d.writes();
        this.clock = d.clock();
        this.messages = messages;
        this.numbers = d.numbers();
        this.idempotency = d.idempotency();
        this.queue = d.queue();
        this.conversations = new ConversationStore(d.clock());
        this.lifecycle = lifecycle;
        this.attachments = d.attachments();
        this.accepted = accepted;
    }

    public Result send(Command c) {
        Principal p = c.principal();
        IdempotencyStore.Scope scope = new IdempotencyStore.Scope(p.accountId(), p.mode(), ENDPOINT);
        if (c.idempotencyKey() != null) {
            Optional<IdempotencyStore.Outcome> seen = db.read(h -> idempotency.lookup(h, scope, c.idempotencyKey(), c.fingerprint()));
            if (seen.isPresent()) {
                return answer(p, seen.get());
            }
        }
        Instant now = clock.instant();
        validateContent(c, now);
        Target target = target(c);
        checkReplyTo(c, target);
        UUID id = Ids.uuidV7(clock);
        // Prepared here, off the writer: the message, its event payload and (for a contact written to before) its
        // thread. Only a first message to a contact finds or creates the thread inside the transaction.
        // (from memory when this process saw the thread committed: no connection taken for it)
        UUID knownThread = target.conversation() != null ? target.conversation().id()
                : conversations.knownDirect(p.accountId(), p.mode(), target.fromHandle(), target.to())
                        .or(() -> db.read(h -> conversations.committedDirect(h, p.accountId(), p.mode(), target.fromHandle(),
                                target.to())))
                        .orElse(null);
        List<UUID> attachmentIds = c.attachmentIds() == null ? List.of() : c.attachmentIds();
        if (!attachmentIds.isEmpty()) {
            try {
                checkAttachments(c, attachmentIds);
            } catch (ApiException refused) {
                // A repeat of a send that committed since the lookup above finds its attachments claimed, by the very
                // message it repeats: it is answered that message, as any repeat is, not refused for them.
                Optional<IdempotencyStore.Outcome> original = c.idempotencyKey() == null ? Optional.empty()
                        : db.read(h -> idempotency.lookup(h, scope, c.idempotencyKey(), c.fingerprint()));
                if (original.isPresent()) {
                    return answer(p, original.get());
                }
                throw refused;
            }
        }
        Lifecycle.Creation prepared = knownThread == null || !attachmentIds.isEmpty() ? null
                : Lifecycle.creation(draft(c, id, knownThread, target, null, now));
        HandleCallback<Object, RuntimeException> unit = tx -> {
            if (c.idempotencyKey() != null) {
                IdempotencyStore.Outcome reserved = idempotency.reserve(tx, scope, c.idempotencyKey(), c.fingerprint(), id.toString());
                if (!(reserved instanceof IdempotencyStore.Reserved)) {
                    return reserved;
                }
            }
            Lifecycle.Creation creation = prepared;
            if (creation == null) {
                UUID thread = knownThread != null ? knownThread
                        : conversations.direct(tx, p.accountId(), p.mode(), target.fromHandle(), target.to(), now);
                String claimed = attachmentIds.isEmpty() ? null
                        : WireJson.write(attachments.claim(tx, p.accountId(), p.mode(), attachmentIds, id));
                creation = Lifecycle.creation(draft(c, id, thread, target, claimed, now));
            }
            Message message = creation.message();
            lifecycle.created(tx, creation);
            accepted.accepted(message); // for this process's worker; dropped below unless the transaction commits
            queue.enqueue(tx, SendJob.firstJob(message, now), now);
            return creation;
        };
        Object outcome = null;
        try {
            if (attachmentIds.isEmpty()) {
                // One group-commit unit: it never throws for expected outcomes (everything refusable was checked above).
                String affinity = ConversationStore.affinity(p.accountId(), p.mode(), target.fromHandle(),
                        target.to() != null ? target.to() : target.conversation().id().toString());
                outcome = writes.write(affinity, unit);
            } else {
                // A transaction of its own: the claim can still fail (a concurrent send took an attachment first), and
                // its 400 must roll back this send alone.
                outcome = db.write(unit);
            }
        } finally {
            if (!(outcome instanceof Lifecycle.Creation)) {
                accepted.drop(id);
            }
        }
        if (outcome instanceof Lifecycle.Creation creation) {
            Message message = creation.message();
            if (target.conversation() == null) {
                conversations.committed(p.accountId(), p.mode(), target.fromHandle(), target.to(), message.conversationId());
            }
            return new Created(MessageView.of(message), creation.event().payload());
        }
        return answer(p, (IdempotencyStore.Outcome) outcome);
    }

    private static Message draft(Command c, UUID id, UUID thread, Target target, String attachments, Instant now) {
        Principal p = c.principal();
        boolean scheduled = c.scheduledAt() != null;
        return new Message(id, p.accountId(), p.mode(), thread, Message.Direction.OUTBOUND,
                scheduled ? MessageStatus.SCHEDULED : MessageStatus.QUEUED, null, target.fromHandle(), target.to(),
                c.text(), c.effect(), c.replyTo(), "whatsapp".equals(c.channel()) ? ChannelType.WHATSAPP : null,
                c.metadata(), null, null, c.scheduledAt(), null, null, null, null, 0, now, now, attachments,
                Boolean.TRUE.equals(c.voiceMemo()));
    }

    /**
     * Attachments must exist, be uploaded and unclaimed (400 {@code invalid_attachments} otherwise); a voice memo is
     * exactly one audio attachment.
     */
    private void checkAttachments(Command c, List<UUID> ids) {
        if (attachments == null) {
            throw new ApiException(ErrorCode.INVALID_ATTACHMENTS, "unknown attachment id " + ids.getFirst(), "attachment_ids");
        }
        List<Attachment> found = attachments.checkClaimable(c.principal().accountId(), c.principal().mode(), ids);
        if (Boolean.TRUE.equals(c.voiceMemo())
                && (found.size() != 1 || !found.getFirst().audio())) {
            throw ApiException.invalid("voice_memo", "a voice memo is exactly one audio attachment");
        }
    }

    private Result answer(Principal p, IdempotencyStore.Outcome outcome) {
        return new Replayed(messages.get(p, UUID.fromString(IdempotencyStore.replayedId(outcome)), false));
    }

    /** reply_to must name a message of the caller in the thread this send goes to. */
    private void checkReplyTo(Command c, Target target) {
        if (c.replyTo() == null) {
            return;
        }
        Principal p = c.principal();
        Message original = db.read(h -> store.find(h, p.accountId(), p.mode(), c.replyTo())).orElseThrow(() ->
                new ApiException(ErrorCode.NOT_FOUND, "reply_to names no message of yours", "reply_to"));
        Conversation thread = db.read(h -> conversations.find(h, p.accountId(), p.mode(), original.conversationId()))
                .orElseThrow();
        boolean same = target.conversation() != null
                ? thread.id().equals(target.conversation().id())
                : target.fromHandle().equals(thread.fromHandle()) && target.to().equals(thread.remoteHandle());
        if (!same) {
            throw ApiException.invalid("reply_to", "reply_to must be a message in the same conversation");
        }
    }

    /** Where the message goes: an existing thread, or a number and a contact (a thread made on demand). */
    private record Target(Conversation conversation, String fromHandle, String to) {
    }

    private Target target(Command c) {
        Principal p = c.principal();
        if (c.conversationId() != null) {
            if (c.to() != null) {
                throw ApiException.invalid("to", "give either conversation_id or to + from_handle, not both");
            }
            // a from_handle beside conversation_id is checked as beside to: malformed is invalid_handle (the docs' code
            // for a from_handle that is no E.164 number), only a well-formed other number is invalid_from_handle
            String from = c.fromHandle() == null ? null : fromHandle(c.fromHandle());
            Conversation thread = db.read(h -> conversations.find(h, p.accountId(), p.mode(), c.conversationId()))
                    .orElseThrow(() -> new ApiException(ErrorCode.NOT_FOUND, "conversation not found", "conversation_id"));
            if (from != null && !from.equals(thread.fromHandle())) {
                throw new ApiException(ErrorCode.INVALID_FROM_HANDLE, "from_handle is not the number of this conversation",
                        "from_handle");
            }
            if (thread.group()) {
                if (c.channel() != null) {
                    throw ApiException.invalid("channel", "groups are iMessage only: channel cannot be set for a group");
                }
                requireIMessage(requireNumber(p, thread.fromHandle(), null));
                return new Target(thread, thread.fromHandle(), null);
            }
            requireNumber(p, thread.fromHandle(), c.channel());
            checkRecipient(thread.remoteHandle(), c.channel());
            return new Target(thread, thread.fromHandle(), thread.remoteHandle());
        }
        if (c.to() == null) {
            throw ApiException.invalid("to", "to is required unless conversation_id is given");
        }
        if (c.fromHandle() == null) {
            throw ApiException.invalid("from_handle", "from_handle is required unless conversation_id is given");
        }
        String to = Handle.parse(c.to()).orElseThrow(() -> new ApiException(ErrorCode.INVALID_HANDLE,
                "to must be an E.164 phone number (+15555550123) or an email address", "to")).value();
        String from = fromHandle(c.fromHandle());
        requireNumber(p, from, c.channel());
        checkRecipient(to, c.channel());
        return new Target(null, from, to);
    }

    /** The canonical form of a {@code from_handle}; 400 {@code invalid_handle} when it is no E.164 number. */
    private static String fromHandle(String raw) {
        return Handle.parsePhone(raw).orElseThrow(() -> new ApiException(ErrorCode.INVALID_HANDLE,
                "from_handle must be an E.164 phone number", "from_handle")).value();
    }

    private AccountNumber requireNumber(Principal p, String handle, String channel) {
        AccountNumber number = numbers.owned(p.accountId(), p.mode(), handle).orElseThrow(() ->
                new ApiException(ErrorCode.INVALID_FROM_HANDLE, "from_handle is not a number assigned to your account",
                        "from_handle"));
        if ("whatsapp".equals(channel) && !number.channels().contains(ChannelType.WHATSAPP)) {
            throw new ApiException(ErrorCode.INVALID_FROM_HANDLE, "this number has no WhatsApp channel", "from_handle");
        }
        return number;
    }

    /** Groups are iMessage only: their number must serve iMessage. */
    static void requireIMessage(AccountNumber number) {
        if (!number.channels().contains(ChannelType.IMESSAGE)) {
            throw new ApiException(ErrorCode.INVALID_FROM_HANDLE, "groups are iMessage only and " + number.handle()
                    + " has no iMessage channel", "from_handle");
        }
    }

    private static void checkRecipient(String to, String channel) {
        if ("whatsapp".equals(channel) && Handle.parsePhone(to).isEmpty()) {
            throw new ApiException(ErrorCode.INVALID_HANDLE, "WhatsApp recipients must be phone numbers", "to");
        }
    }

    private static void validateContent(Command c, Instant now) {
        boolean hasText = c.text() != null && !c.text().isEmpty();
        boolean hasAttachments = c.attachmentIds() != null && !c.attachmentIds().isEmpty();
        if (!hasText && !hasAttachments) {
            throw ApiException.invalid("text", "text or attachment_ids is required");
        }
        if (c.text() != null && c.text().codePointCount(0, c.text().length()) > MAX_TEXT) {
            throw ApiException.invalid("text", "text is limited to " + MAX_TEXT + " characters");
        }
        if (c.attachmentIds() != null && c.attachmentIds().size() > MAX_ATTACHMENTS) {
            throw ApiException.invalid("attachment_ids", "at most " + MAX_ATTACHMENTS + " attachments per message");
        }
        if (c.attachmentIds() != null) {
            // a null in the list is a wrong type, like any other non-id there (not an unknown attachment)
            for (int i = 0; i < c.attachmentIds().size(); i++) {
                if (c.attachmentIds().get(i) == null) {
                    throw ApiException.invalid("attachment_ids[" + i + "]", "attachment_ids must hold attachment ids");
                }
            }
        }
        if (Boolean.TRUE.equals(c.voiceMemo()) && !hasAttachments) {
            throw ApiException.invalid("voice_memo", "voice_memo needs an audio attachment");
        }
        if (c.channel() != null && !c.channel().equals("whatsapp")) {
            throw ApiException.invalid("channel", "channel may only be \"whatsapp\"");
        }
        if (c.effect() != null && !EFFECTS.contains(c.effect())) {
            throw ApiException.invalid("effect", "unknown effect; one of " + String.join(", ", new java.util.TreeSet<>(EFFECTS)));
        }
        if (c.scheduledAt() != null && (!c.scheduledAt().isAfter(now) || c.scheduledAt().isAfter(now.plus(MAX_SCHEDULE)))) {
            throw ApiException.invalid("scheduled_at", "scheduled_at must be in the future and at most 30 days ahead");
        }
        if (c.metadata() != null) {
            if (c.metadata().size() > MAX_METADATA_KEYS) {
                throw ApiException.invalid("metadata", "metadata is limited to " + MAX_METADATA_KEYS + " keys");
            }
            c.metadata().forEach((key, value) -> {
                // characters as text counts them (code points): an emoji is one, not two UTF-16 units
                if (key.isEmpty() || key.codePointCount(0, key.length()) > MAX_METADATA_KEY) {
                    throw ApiException.invalid("metadata", "metadata keys must be 1-" + MAX_METADATA_KEY + " characters");
                }
                if (value == null || value.codePointCount(0, value.length()) > MAX_METADATA_VALUE) {
                    throw ApiException.invalid("metadata." + key, "metadata values must be strings of at most "
                            + MAX_METADATA_VALUE + " characters");
                }
            });
        }
    }
}
