package dev.msgbubbles.message;

import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.account.Principal;
import dev.msgbubbles.channel.ChatAction;
import dev.msgbubbles.chat.ChatView;
import dev.msgbubbles.chat.Conversation;
import dev.msgbubbles.chat.ConversationStore;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Handle;
import dev.msgbubbles.common.Ids;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.event.EventType;
import dev.msgbubbles.idempotency.IdempotencyStore;
import dev.msgbubbles.queue.JobQueue;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.jdbi.v3.core.HandleCallback;

/**
 * iMessage groups: {@code POST /v1/chats} creates one by queueing its first message (the network creates the group
 * when it accepts that message: the group is then <em>established</em>); rename and membership changes run
 * synchronously against the backend for established groups only (409 {@code not_a_group} otherwise), and each
 * change is stored with its {@code chat.*} event in one transaction once the network has made it.
 */
public final class GroupChats {
    public static final String ENDPOINT = "POST /v1/chats";
    static final int MIN_MEMBERS = 2;
    static final int MAX_MEMBERS = 31;
    static final int MAX_TITLE = 100;

    /** A parsed {@code POST /v1/chats}; shapes are checked by the HTTP edge, meaning here. Absent fields are null. */
    public record Create(Principal principal, String idempotencyKey, String fingerprint, String fromHandle,
                         List<String> addresses, String message, String title) {
    }

    /** A new group (201) or the group a repeated key created (200). */
    public sealed interface Result {
        ChatView chat();
    }

    public record Created(ChatView chat) implements Result {
    }

    public record Replayed(ChatView chat) implements Result {
    }

    private final Database db;
    private final Clock clock;
    private final NumberDirectory numbers;
    private final IdempotencyStore idempotency;
    private final JobQueue queue;
    private final EventLog events;
    private final Lifecycle lifecycle;
    private final ConversationStore conversations;
    private final ThreadOperations operations;

    GroupChats(Messaging.Dependencies d, Lifecycle lifecycle, ThreadOperations operations) {
        this.db = d.db();
        this.clock = d.clock();
        this.numbers = d.numbers();
        this.idempotency = d.idempotency();
        this.queue = d.queue();
        this.events = d.events();
        this.lifecycle = lifecycle;
        this.conversations = new ConversationStore(d.clock());
        this.operations = operations;
    }

    public Result create(Create c) {
        Principal p = c.principal();
        IdempotencyStore.Scope scope = new IdempotencyStore.Scope(p.accountId(), p.mode(), ENDPOINT);
        if (c.idempotencyKey() != null) {
            Optional<IdempotencyStore.Outcome> seen = db.read(h -> idempotency.lookup(h, scope, c.idempotencyKey(), c.fingerprint()));
            if (seen.isPresent()) {
                return replay(p, seen.get());
            }
        }
        AccountNumber number = sender(p, c.fromHandle());
        List<String> members = members(c.addresses(), number);
        String text = firstMessage(c.message());
        String title = c.title() == null ? null : title(c.title());
        Instant now = clock.instant();
        UUID id = Ids.uuidV7(clock);
        UUID messageId = Ids.uuidV7(clock);
        ChatView created = new ChatView(id, number.handle(), null, true, title, members, now, now, now);
        Message first = new Message(messageId, p.accountId(), p.mode(), id, Message.Direction.OUTBOUND, MessageStatus.QUEUED,
                null, number.handle(), null, text, null, null, null, null, null, null, null, null, null, null, null, 0, now, now,
                null, false);
        Object outcome = db.write(tx -> {
            if (c.idempotencyKey() != null) {
                IdempotencyStore.Outcome reserved = idempotency.reserve(tx, scope, c.idempotencyKey(), c.fingerprint(), id.toString());
                if (!(reserved instanceof IdempotencyStore.Reserved)) {
                    return reserved;
                }
            }
            conversations.insertGroup(tx, id, p.accountId(), p.mode(), number.handle(), title, members, now);
            events.append(tx, p.accountId(), p.mode(), EventType.CHAT_CREATED, id, created, now);
            lifecycle.created(tx, Lifecycle.creation(first));
            queue.enqueue(tx, new JobQueue.NewJob(SendJob.KIND, messageId.toString(), id.toString(), null, now), now);
            return created;
        });
        if (outcome instanceof ChatView view) {
            return new Created(view);
        }
        return replay(p, (IdempotencyStore.Outcome) outcome);
    }

    private Result replay(Principal p, IdempotencyStore.Outcome outcome) {
        UUID id = UUID.fromString(IdempotencyStore.replayedId(outcome));
        return new Replayed(ChatView.of(operations.thread(p, id)));
    }

    /** PATCH /v1/chats/:id: a new title, once the network has renamed the group. */
    public ChatView rename(Principal p, UUID id, String title) {
        return onGroup(p, id, group -> {
            if (title == null) {
                throw ApiException.invalid("title", "title is required");
            }
            String name = title(title);
            ThreadOperations.requireEstablishedGroup(group);
            AccountNumber number = operations.number(group);
            operations.perform(number, new ChatAction.Rename(ThreadOperations.backendView(group, ChannelType.IMESSAGE), name),
                    ErrorCode.RENAME_FAILED);
            return tx -> {
                conversations.rename(tx, group.id(), name, clock.instant());
                ChatView view = ChatView.of(conversations.findById(tx, group.id()).orElseThrow());
                events.append(tx, group.accountId(), group.mode(), EventType.CHAT_UPDATED, group.id(), view, clock.instant());
                return view;
            };
        });
    }

    /** POST /v1/chats/:id/participants: a new member, once the network has added them. */
    public ChatView addParticipant(Principal p, UUID id, String handle) {
        return onGroup(p, id, group -> {
            if (handle == null) {
                throw ApiException.invalid("handle", "handle is required");
            }
            String member = Handle.parse(handle).orElseThrow(() -> new ApiException(ErrorCode.INVALID_HANDLE,
                    "handle must be an E.164 phone number or an email address", "handle")).value();
            ThreadOperations.requireEstablishedGroup(group);
            if (member.equals(group.fromHandle())) {
                throw ApiException.invalid("handle", "the group's own number is always in it");
            }
            if (group.participants().contains(member)) {
                throw new ApiException(ErrorCode.CONFLICT, member + " is already in this group", "handle");
            }
            if (group.participants().size() >= MAX_MEMBERS) {
                throw new ApiException(ErrorCode.CONFLICT, "a group has at most " + MAX_MEMBERS + " members besides you");
            }
            AccountNumber number = operations.number(group);
            if (!operations.onIMessage(number, member)) {
                throw new ApiException(ErrorCode.INVALID_HANDLE, member + " is not on iMessage; groups are iMessage only", "handle");
            }
            operations.perform(number, new ChatAction.AddParticipant(ThreadOperations.backendView(group, ChannelType.IMESSAGE),
                    member), ErrorCode.ADD_PARTICIPANT_FAILED);
            return membershipChanged(group, member, EventType.CHAT_PARTICIPANT_ADDED);
        });
    }

    /** DELETE /v1/chats/:id/participants/:handle: a member gone, once the network has removed them. */
    public ChatView removeParticipant(Principal p, UUID id, String handle) {
        return onGroup(p, id, group -> {
            String member = Handle.parse(handle).orElseThrow(() -> new ApiException(ErrorCode.INVALID_HANDLE,
                    "the handle in the path must be an E.164 phone number (encode + as %2B) or an email address",
                    "handle")).value();
            ThreadOperations.requireEstablishedGroup(group);
            if (member.equals(group.fromHandle())) {
                // it is in the group, as its sender, though participants lists only the contacts: no "not a member"
                throw ApiException.invalid("handle", "the group's own number is always in it and cannot be removed");
            }
            if (!group.participants().contains(member)) {
                throw new ApiException(ErrorCode.NOT_FOUND, member + " is not a member of this group", "handle");
            }
            if (group.participants().size() <= MIN_MEMBERS) {
                throw new ApiException(ErrorCode.CONFLICT, "a group keeps at least " + MIN_MEMBERS
                        + " members besides you; this one has " + group.participants().size());
            }
            AccountNumber number = operations.number(group);
            operations.perform(number, new ChatAction.RemoveParticipant(ThreadOperations.backendView(group,
                    ChannelType.IMESSAGE), member), ErrorCode.REMOVE_PARTICIPANT_FAILED);
            return membershipChanged(group, member, EventType.CHAT_PARTICIPANT_REMOVED);
        });
    }

    /**
     * Runs a group operation on the caller's thread {@code id} (404 if there is none), read once with no other
     * change to it running in any server process (see {@link ThreadOperations#change}): the checks the operation
     * makes still hold when what it returns is written.
     */
    private ChatView onGroup(Principal p, UUID id,
                             Function<Conversation, HandleCallback<ChatView, RuntimeException>> operation) {
        return operations.change(p, id, operation);
    }

    /** Stores a membership change the network made, with its event: {@code conversation_id}, {@code handle}, {@code chat}. */
    private HandleCallback<ChatView, RuntimeException> membershipChanged(Conversation group, String member, EventType type) {
        return tx -> {
            Instant now = clock.instant();
            boolean changed = type == EventType.CHAT_PARTICIPANT_ADDED
                    ? conversations.addMember(tx, group.id(), member, now)
                    : conversations.removeMember(tx, group.id(), member, now);
            ChatView view = ChatView.of(conversations.findById(tx, group.id()).orElseThrow());
            if (!changed) {
                return view; // nothing changed, nothing to announce (changes to one group do not overlap: see onGroup)
            }
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("conversation_id", group.id());
            data.put("handle", member);
            data.put("chat", view);
            events.append(tx, group.accountId(), group.mode(), type, group.id(), data, now);
            return view;
        };
    }

    private AccountNumber sender(Principal p, String fromHandle) {
        if (fromHandle == null) {
            throw ApiException.invalid("from_handle", "from_handle is required");
        }
        String handle = Handle.parsePhone(fromHandle).orElseThrow(() -> new ApiException(ErrorCode.INVALID_HANDLE,
                "from_handle must be an E.164 phone number", "from_handle")).value();
        AccountNumber number = numbers.owned(p.accountId(), p.mode(), handle).orElseThrow(() ->
                new ApiException(ErrorCode.INVALID_FROM_HANDLE, "from_handle is not a number assigned to your account",
                        "from_handle"));
        SendMessage.requireIMessage(number);
        return number;
    }

    /** 2–31 distinct valid handles, none of them the sending number, all on iMessage; normalised, in the order given. */
    private List<String> members(List<String> addresses, AccountNumber number) {
        if (addresses == null) {
            throw ApiException.invalid("addresses", "addresses is required");
        }
        if (addresses.size() < MIN_MEMBERS || addresses.size() > MAX_MEMBERS) {
            throw ApiException.invalid("addresses", "a group needs " + MIN_MEMBERS + " to " + MAX_MEMBERS
                    + " addresses; got " + addresses.size());
        }
        List<String> members = new ArrayList<>(addresses.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < addresses.size(); i++) {
            String param = "addresses[" + i + "]";
            String raw = addresses.get(i);
            if (raw == null) {
                throw ApiException.invalid(param, "addresses must be handles, not null");
            }
            String member = Handle.parse(raw).orElseThrow(() -> new ApiException(ErrorCode.INVALID_HANDLE,
                    "addresses must be E.164 phone numbers or email addresses", param)).value();
            if (member.equals(number.handle())) {
                throw ApiException.invalid(param, "addresses cannot include from_handle itself");
            }
            if (!seen.add(member)) {
                throw ApiException.invalid(param, member + " is listed twice");
            }
            members.add(member);
        }
        for (int i = 0; i < members.size(); i++) {
            if (!operations.onIMessage(number, members.get(i))) {
                throw new ApiException(ErrorCode.INVALID_HANDLE, members.get(i) + " is not on iMessage; groups are iMessage only",
                        "addresses[" + i + "]");
            }
        }
        return members;
    }

    private static String firstMessage(String message) {
        if (message == null || message.isEmpty()) {
            throw ApiException.invalid("message", "message is required: a group is established by sending its first message");
        }
        if (message.codePointCount(0, message.length()) > SendMessage.MAX_TEXT) {
            throw ApiException.invalid("message", "message is limited to " + SendMessage.MAX_TEXT + " characters");
        }
        return message;
    }

    private static String title(String title) {
        if (title.isBlank() || title.codePointCount(0, title.length()) > MAX_TITLE) {
            throw ApiException.invalid("title", "title must be 1-" + MAX_TITLE + " characters and not blank");
        }
        return title;
    }
}
