package dev.msgbubbles.support;

import dev.msgbubbles.db.Database;

/**
 * Rows whose parent is missing. PostgreSQL does not check a message's thread on insert (V18), so tests count such
 * messages themselves: the end-to-end fixtures after every class, and the V18 test shows this count finds one.
 */
public final class Orphans {
    private Orphans() {
    }

    /** Messages whose thread ({@code conversation_id}) does not exist. */
    public static long messagesWithoutThread(Database db) {
        return db.read(h -> h.createQuery("""
                SELECT COUNT(*) FROM messages m
                 WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = m.conversation_id)""")
                .mapTo(Long.class).one());
    }
}
