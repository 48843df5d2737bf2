package dev.msgbubbles.message;

import dev.msgbubbles.common.Handoff;
import dev.msgbubbles.db.Sql;
import java.time.Instant;
import java.util.UUID;

/**
 * Messages this process has just accepted for sending, handed to its own send worker (a {@link Handoff}) so that the
 * worker does not read back the rows it wrote a moment before (that read was a tenth of the request threads' CPU under
 * the send load on SQLite, and a query per claimed batch on PostgreSQL).
 *
 * <p>A message enters in the transaction that stores it, as that transaction writes it (queued, not scheduled, times to
 * the millisecond), and nothing else changes a queued message before its send job runs, which is the only taker. If the
 * transaction does not commit, the sender drops it again.
 */
final class AcceptedSends {
    /** Room for a few seconds of sends at the rates measured here. */
    static final int CAPACITY = 16_384;

    private final Handoff<Message> handoff;

    AcceptedSends(int capacity) {
        this.handoff = new Handoff<>(capacity);
    }

    /** Hands {@code message} (queued, as its transaction stores it) to the worker, if it is one that can be. */
    void accepted(Message message) {
        if (message.status() == MessageStatus.QUEUED && message.scheduledAt() == null) {
            handoff.put(message.id(), asStored(message));
        }
    }

    /** The message accepted with {@code id}, removed: each is taken at most once. Null when none is here. */
    Message take(UUID id) {
        return handoff.take(id);
    }

    /** Forgets {@code id}: its transaction did not commit. */
    void drop(UUID id) {
        handoff.take(id);
    }

    int size() {
        return handoff.size();
    }

    /**
     * {@code message} as a read of its row returns it: the store keeps times to the millisecond ({@link Sql#stored}),
     * and the clock may be finer. (A queued message has no other time set.)
     */
    static Message asStored(Message m) {
        Instant created = Sql.stored(m.createdAt());
        Instant updated = Sql.stored(m.updatedAt());
        if (created.equals(m.createdAt()) && updated.equals(m.updatedAt())) {
            return m;
        }
        return new Message(m.id(), m.accountId(), m.mode(), m.conversationId(), m.direction(), m.status(), m.channel(),
                m.fromHandle(), m.to(), m.text(), m.effect(), m.replyTo(), m.requestedChannel(), m.metadata(),
                m.errorCode(), m.errorMessage(), m.scheduledAt(), m.sentAt(), m.deliveredAt(), m.readAt(), m.editedAt(),
                m.retryCount(), created, updated, m.attachments(), m.voiceMemo());
    }
}
