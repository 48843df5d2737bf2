package dev.msgbubbles.message;

import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.Principal;
import dev.msgbubbles.channel.ChatAction;
import dev.msgbubbles.chat.ChatView;
import dev.msgbubbles.chat.Conversation;
import dev.msgbubbles.chat.ConversationStore;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.db.Database;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Read receipts ({@code POST /v1/chats/:id/read}) and typing ({@code POST /v1/chats/:id/typing}) on iMessage and
 * WhatsApp threads (SMS has neither: 409 {@code conflict}). Both run synchronously against the backend. Typing
 * writes nothing and a repeat of what the network was told less than {@link #TYPING_REPEAT} ago, with no message in
 * the thread since, is answered without asking it again, so calling it on every keystroke is cheap; the indicator
 * expires on the contacts' side by itself, and a message sent into the thread ends it.
 */
public final class ThreadControls {
    static final Duration TYPING_REPEAT = Duration.ofSeconds(5);
    private static final int TYPING_MEMORY = 100_000;

    private final Database db;
    private final Clock clock;
    private final ThreadOperations operations;
    private final MessageStore messages = new MessageStore();
    private final ConversationStore conversations;

    /** What the network was last told about our typing in a thread, and when. */
    private record Told(boolean typing, Instant at) {
    }

    private final Map<UUID, Told> told = new ConcurrentHashMap<>();

    ThreadControls(Database db, Clock clock, ThreadOperations operations) {
        this.db = db;
        this.clock = clock;
        this.operations = operations;
        this.conversations = new ConversationStore(clock);
    }

    /**
     * Marks read what the thread had received when the network was asked, once the network has sent the read
     * receipts. A message that arrives while it is asked may not have been shown to it, so it stays unread (the next
     * call marks it) rather than being marked read with no receipt ever sent for it.
     */
    public ChatView markRead(Principal p, UUID id) {
        Conversation thread = operations.thread(p, id);
        requireGroupOnTheNetwork(thread);
        AccountNumber number = operations.number(thread);
        ChannelType channel = supported(thread, number, "read receipts");
        Instant asked = clock.instant();
        operations.perform(number, new ChatAction.MarkRead(ThreadOperations.backendView(thread, channel)),
                ErrorCode.MARK_READ_FAILED);
        return db.write(tx -> {
            messages.markInboundRead(tx, thread.id(), asked, clock.instant());
            return ChatView.of(conversations.findById(tx, thread.id()).orElseThrow());
        });
    }

    /** Shows or hides our typing bubble: {@code conversation_id}, {@code handle} (our number), {@code typing}. */
    public Map<String, Object> typing(Principal p, UUID id, Boolean typing) {
        Conversation thread = operations.thread(p, id);
        if (typing == null) {
            throw ApiException.invalid("typing", "typing (true or false) is required");
        }
        requireGroupOnTheNetwork(thread);
        AccountNumber number = operations.number(thread);
        Instant now = clock.instant();
        Told last = told.get(thread.id());
        // a repeat was accepted moments ago, channel check included: answered without reading the thread's channel.
        // A message in the thread since then ends it: sending one stops our bubble on the contacts' side (BlueBubbles
        // stops it on send, WhatsApp on our reply), so typing after it is shown anew. Any newer message counts (one
        // of theirs only costs an ask), as one taken before and sent after the bubble was shown does not (rare: the
        // worker sends at once unless paced, scheduled or held).
        boolean repeat = last != null && last.typing() == typing && now.isBefore(last.at().plus(TYPING_REPEAT))
                && (thread.lastMessageAt() == null || !thread.lastMessageAt().isAfter(last.at()))
                && number.status() == AccountNumber.Status.ONLINE;
        if (!repeat) {
            ChannelType channel = supported(thread, number, "typing indicators");
            operations.perform(number, new ChatAction.Typing(ThreadOperations.backendView(thread, channel), typing),
                    ErrorCode.TYPING_FAILED);
            if (told.size() >= TYPING_MEMORY) {
                told.clear();
            }
            told.put(thread.id(), new Told(typing, now));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("conversation_id", thread.id());
        answer.put("handle", thread.fromHandle());
        answer.put("typing", typing);
        return answer;
    }

    /**
     * A group exists on the network only once it is established (its first message accepted): before that there is
     * no chat there to send read receipts or a typing bubble to (nor anything received to mark read: its members
     * cannot write into it either), so both are 409 {@code not_a_group}, as rename and membership changes are, rather
     * than a 200 for something nobody was shown. Direct threads are always there.
     */
    private static void requireGroupOnTheNetwork(Conversation thread) {
        if (thread.group()) {
            ThreadOperations.requireEstablishedGroup(thread);
        }
    }

    private ChannelType supported(Conversation thread, AccountNumber number, String feature) {
        ChannelType channel = operations.channel(thread, number);
        if (channel == ChannelType.SMS) {
            throw new ApiException(ErrorCode.CONFLICT, feature + " work on iMessage and WhatsApp threads; this thread is on SMS");
        }
        return channel;
    }
}
