package dev.msgbubbles.db;

import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.HandleConsumer;

/** Something that runs work in a committed write transaction: the {@link Database} itself, or {@link GroupCommit}. */
public interface Writes {
    <R> R write(HandleCallback<R, RuntimeException> work);

    default void writeVoid(HandleConsumer<RuntimeException> work) {
        write(h -> {
            work.useHandle(h);
            return null;
        });
    }
}
