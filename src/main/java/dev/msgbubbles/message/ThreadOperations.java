package dev.msgbubbles.message;

import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.account.Principal;
import dev.msgbubbles.channel.ActionResult;
import dev.msgbubbles.channel.Channel;
import dev.msgbubbles.channel.ChatAction;
import dev.msgbubbles.chat.Conversation;
import dev.msgbubbles.chat.ConversationStore;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Handle;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Dialect;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jdbi.v3.core.HandleCallback;

/**
 * What every synchronous operation on a thread shares: finding the caller's thread, serialising changes to one
 * thread (across server processes on PostgreSQL), and asking its number's backend, whose verdict is the answer: an
 * offline number is 503 {@code device_offline} before the backend is asked; a refusal or an unavailable backend is
 * 502 with the operation's {@code *_failed} code (safe to retry).
 */
final class ThreadOperations {
    private static final int STRIPES = 64;

    private final Database db;
    private final NumberDirectory numbers;
    private final ChannelRouter router;
    private final ConversationStore conversations;
    private final MessageStore messages = new MessageStore();
    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

    ThreadOperations(Database db, NumberDirectory numbers, ChannelRouter router, ConversationStore conversations) {
        this.db = db;
        this.numbers = numbers;
        this.router = router;
        this.conversations = conversations;
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    /** The caller's thread, or 404. */
    Conversation thread(Principal p, UUID id) {
        return db.read(h -> conversations.find(h, p.accountId(), p.mode(), id)).orElseThrow(() -> ApiException.notFound("chat"));
    }

    /**
     * Runs a change to the caller's thread {@code id} (404 if there is none): {@code operation} gets the thread as it
     * is, checks it, has the network make the change, and returns what to store, which is written in one
     * transaction. No other change to the thread runs meanwhile, neither in this process (a lock) nor, on
     * PostgreSQL, in another server process sharing the database: there the thread's row is locked
     * ({@code FOR UPDATE}) from the read to the commit, so the transaction spans the backend's answer. A check made
     * in the operation (membership, size) thus still holds when its change is written, and the backend never sees
     * two changes to one group at once. (SQLite serves one server process, whose lock is enough; its single writer
     * is not held while the backend answers.)
     */
    <T> T change(Principal p, UUID id, Function<Conversation, HandleCallback<T, RuntimeException>> operation) {
        return serialised(id, () -> {
            if (db.dialect() != Dialect.POSTGRESQL) {
                HandleCallback<T, RuntimeException> store = operation.apply(thread(p, id));
                return db.write(store);
            }
            return db.write(tx -> {
                Conversation thread = conversations.findLocked(tx, p.accountId(), p.mode(), id)
                        .orElseThrow(() -> ApiException.notFound("chat"));
                return operation.apply(thread).withHandle(tx);
            });
        });
    }

    /**
     * Runs {@code operation} with no other operation on thread {@code id} running in this process (see
     * {@link #change} for what also holds off other processes).
     */
    private <T> T serialised(UUID id, Supplier<T> operation) {
        ReentrantLock lock = locks[Math.floorMod(id.hashCode(), STRIPES)];
        lock.lock();
        try {
            return operation.get();
        } finally {
            lock.unlock();
        }
    }

    /** The thread's number; a number no longer assigned to the account makes the operation impossible (409). */
    AccountNumber number(Conversation thread) {
        return numbers.owned(thread.accountId(), thread.mode(), thread.fromHandle()).orElseThrow(() ->
                new ApiException(ErrorCode.CONFLICT, "the number of this conversation is no longer assigned to your account"));
    }

    /** Group rename and membership apply to established groups only. */
    static void requireEstablishedGroup(Conversation thread) {
        if (!thread.group()) {
            throw new ApiException(ErrorCode.NOT_A_GROUP, "this conversation is not a group");
        }
        if (!thread.established()) {
            throw new ApiException(ErrorCode.NOT_A_GROUP,
                    "this group is not established yet: the network has not accepted any of its messages");
        }
    }

    /**
     * The channel a thread runs on: iMessage for a group; for a direct thread the channel of its newest carried
     * message, or, before any, the one a send would take now.
     */
    ChannelType channel(Conversation thread, AccountNumber number) {
        if (thread.group()) {
            return ChannelType.IMESSAGE;
        }
        return db.read(h -> messages.latestChannel(h, thread.id())).orElseGet(() -> {
            boolean phone = Handle.parsePhone(thread.remoteHandle()).isPresent();
            if (number.channels().contains(ChannelType.IMESSAGE) && router.forNumber(number).onIMessage(thread.remoteHandle())) {
                return ChannelType.IMESSAGE;
            }
            if (phone && !number.channels().contains(ChannelType.SMS) && number.channels().contains(ChannelType.WHATSAPP)) {
                return ChannelType.WHATSAPP;
            }
            return ChannelType.SMS;
        });
    }

    /** Whether {@code handle} can be in an iMessage group of {@code number}, as far as its backend can tell. */
    boolean onIMessage(AccountNumber number, String handle) {
        return router.forNumber(number).onIMessage(handle);
    }

    /** Asks the backend; returns only when it did it. */
    void perform(AccountNumber number, ChatAction action, ErrorCode failure) {
        if (number.status() == AccountNumber.Status.OFFLINE) {
            throw new ApiException(ErrorCode.DEVICE_OFFLINE, "the number " + number.handle() + " is offline; try again later");
        }
        Channel channel = router.forNumber(number);
        switch (channel.control(action)) {
            case ActionResult.Done done -> {
            }
            case ActionResult.Rejected rejected -> throw new ApiException(failure,
                    "the messaging network refused: " + rejected.message() + " (" + rejected.code() + ")");
            case ActionResult.RetryLater later -> throw new ApiException(failure,
                    "the messaging network could not do it now: " + later.reason() + "; try again later");
        }
    }

    static ChatAction.Thread backendView(Conversation thread, ChannelType channel) {
        return new ChatAction.Thread(thread.id(), thread.fromHandle(), channel, thread.group(), thread.participants());
    }
}
