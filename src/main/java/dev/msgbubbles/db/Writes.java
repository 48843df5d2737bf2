package dev.msgbubbles.db;

import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.HandleConsumer;

/** Something that runs work in a committed write transaction: the {@link Database} itself, or {@link GroupCommit}. */
public interface Writes {
    <R> R write(HandleCallback<R, RuntimeException> work);

    /**
     * Like {@link #write(HandleCallback)}, for work that may conflict with other work of the same {@code affinity}
     * (e.g. both creating one conversation): such work is never committed by two concurrent transactions that could
     * lock in different orders. A store with one writer may ignore it.
     */
    default <R> R write(String affinity, HandleCallback<R, RuntimeException> work) {
        return write(work);
    }

    default void writeVoid(String affinity, HandleConsumer<RuntimeException> work) {
        write(affinity, h -> {
            work.useHandle(h);
            return null;
        });
    }

    default void writeVoid(HandleConsumer<RuntimeException> work) {
        write(h -> {
            work.useHandle(h);
            return null;
        });
    }
}
