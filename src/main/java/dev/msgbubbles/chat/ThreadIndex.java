package dev.msgbubbles.chat;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Dialect;
import dev.msgbubbles.db.Sql;
import dev.msgbubbles.db.StoreUnavailable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which messages belong to which thread. PostgreSQL keeps an ordinary index ({@code messages_conversation_idx}).
 * SQLite keeps the entries in {@code thread_entries}, written by {@link #catchUp} about a second after the messages
 * commit, a second's worth at a time sorted by thread (see the V15 migration: an index entry per message on a random
 * page was the largest single cost of a send, and a batch puts many entries on each page), and
 * {@code thread_entries_mark.upto}: every message up to that rowid of {@code messages} has its entry. Both live in
 * the store's side file (see {@link Database#sideWrite}, the V20 migration) and are written on its own connection,
 * never through the store's single writer, which they slowed. A read by thread takes, in one statement, the messages
 * whose entries it finds and every message past the mark, by rowid: it misses none and counts each once, even one
 * whose entry was written before the mark passed it. The statement reads the store and the side file each at its
 * latest commit, which need not be the same moment; it still misses none, since the entries and the mark are written
 * in one transaction of the side file and messages only ever come into being: with the side file read later than the
 * store, its entries of messages the store's reading does not hold yet join nothing, and every message up to its mark
 * has its entry; read earlier, every message past its (older) mark is looked through.
 *
 * <p>Started on SQLite, a background loop catches up every {@code interval}; nothing depends on its timing but how
 * many not yet indexed messages a read by thread looks through (about a second's worth). Before it starts, the side
 * file is checked against the store (see {@link #verify}).
 *
 * <p>The mark relies on rowids of {@code messages} only growing: a new row takes the largest rowid plus one, and no
 * message row is ever deleted, so they run 1, 2, 3, ... in commit order (SQLite's single writer), which a
 * {@code VACUUM} (free to renumber a table without an integer primary key) leaves as they are. Code that deletes
 * messages must delete their entries and keep this true.
 */
public final class ThreadIndex implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadIndex.class);
    /** Messages indexed per catch-up at the most (a long backlog after a restart takes several). */
    static final int BATCH = 50_000;

    /** SQLite: the rowids of not yet indexed messages start after this. */
    private static final String MARK = "(SELECT upto FROM thread_entries_mark)";

    private final Database db;
    private final Duration interval;
    private volatile boolean running;
    private Thread loop;

    /** Reads the messages from {@code db} and writes their entries to its side file. */
    public ThreadIndex(Database db, Duration interval) {
        this.db = db;
        this.interval = interval;
    }

    /**
     * On SQLite, checks the side file against the store (see {@link #verify}), indexes every message not yet indexed,
     * then starts the catch-up loop. Call it before serving: normally at most a second's messages are left to index,
     * but after an upgrade (V20), a side file lost or not matching its store, every message is, and until then each
     * read by thread would look through all of them.
     */
    public void start() {
        if (db.dialect() != Dialect.SQLITE || running) {
            return;
        }
        verify(db);
        running = true; // what catchUpAll goes on while
        long started = System.nanoTime();
        long indexed;
        try {
            indexed = catchUpAll();
        } catch (RuntimeException e) {
            running = false;
            throw e;
        }
        if (indexed > BATCH) {
            LOG.info("indexed {} messages by thread in {} ms", indexed, (System.nanoTime() - started) / 1_000_000);
        }
        loop = Thread.ofVirtual().name("thread-index").start(() -> {
            while (running) {
                try {
                    catchUpAll();
                } catch (StoreUnavailable e) {
                    // an outage (a full disk, say): one line a round, no stack trace; reads by thread look through
                    // the messages not yet indexed meanwhile
                    LOG.warn("thread index catch-up: {}; trying again", e.getMessage());
                } catch (RuntimeException e) {
                    LOG.error("thread index catch-up failed; trying again", e);
                }
                LockSupport.parkNanos(interval.toNanos());
            }
        });
    }

    /** Catches up batch after batch until less than a batch was left (or the index is closed); returns how many. */
    private long catchUpAll() {
        long indexed = 0;
        int last;
        do {
            last = catchUp(db, BATCH);
            indexed += last;
        } while (last == BATCH && running);
        return indexed;
    }

    /** Where the side file's index stands: every message up to rowid {@code upto} (whose id is {@code id}) has its entry. */
    private record Mark(long upto, String id) {
    }

    private static Mark mark(Database db) {
        return db.sideWrite(h -> Sql.one(h, "SELECT upto, upto_id FROM thread_entries_mark",
                row -> new Mark(row.longValue("upto"), row.string("upto_id")))).orElse(new Mark(0, null));
    }

    /**
     * SQLite: checks that the side file's index belongs to the store, and empties it if not (to be written again from
     * the first message): the message at its mark must be the one it recorded there. It is not when the store was
     * restored from a backup older than the side file, replaced, or emptied, and the side file was kept; left as it
     * was, messages up to its mark that it never indexed would be missing from reads by thread. Returns whether it
     * emptied the index. Call it before anything reads by thread.
     */
    public static boolean verify(Database db) {
        Mark mark = mark(db);
        if (mark.upto() == 0) {
            return false;
        }
        java.util.Optional<String> there = db.read(h -> Sql.one(h, "SELECT id FROM messages WHERE rowid = ?",
                row -> row.string("id"), mark.upto()));
        if (there.isPresent() && there.get().equals(mark.id())) {
            return false;
        }
        LOG.warn("the index of messages by thread in the side file does not match the store (it stands at message {}, "
                + "rowid {}; the store has {} there): indexing every message again", mark.id(), mark.upto(),
                there.map(id -> "message " + id).orElse("none"));
        db.sideWrite(h -> {
            h.execute("DELETE FROM thread_entries");
            return h.execute("UPDATE thread_entries_mark SET upto = 0, upto_id = NULL");
        });
        return true;
    }

    /**
     * SQLite: writes the entries of up to {@code max} messages past the mark, sorted by thread so that they fill a few
     * neighbouring pages, and moves the mark past them, in one transaction of the side file; returns how many. An
     * entry may exist before the mark passes its message (reads take a thread's messages by rowid, so a message both
     * indexed and past the mark still counts once), and writing it again is ignored.
     */
    public static int catchUp(Database db, int max) {
        record Entry(long rowid, String conversationId, long createdAt, String id) {
        }
        long upto = mark(db).upto();
        List<Entry> entries = db.read(h -> Sql.list(h, "SELECT rowid, conversation_id, created_at, id FROM messages "
                + "WHERE rowid > ? ORDER BY rowid LIMIT ?", row -> new Entry(row.longValue("rowid"),
                row.string("conversation_id"), row.longValue("created_at"), row.string("id")), upto, max));
        if (entries.isEmpty()) {
            return 0;
        }
        Entry last = entries.getLast();
        List<Entry> byThread = new ArrayList<>(entries);
        byThread.sort(Comparator.comparing(Entry::conversationId).thenComparingLong(Entry::createdAt)
                .thenComparing(Entry::id));
        List<Object[]> rows = new ArrayList<>(byThread.size());
        for (Entry e : byThread) {
            rows.add(new Object[] {e.conversationId(), e.createdAt(), e.id()});
        }
        db.sideWrite(h -> {
            Sql.insertAll(h, "INSERT OR IGNORE INTO thread_entries (conversation_id, created_at, id) VALUES", 3, rows);
            // only forward: a second process catching up beside this one may have moved it further
            return Sql.update(h, "UPDATE thread_entries_mark SET upto = ?, upto_id = ? WHERE upto < ?", last.rowid(),
                    last.id(), last.rowid());
        });
        return entries.size();
    }

    /** A piece of SQL and the values of its parameters, in order. */
    public record Where(String sql, List<Object> values) {
    }

    /**
     * SQLite: a condition on {@code messages} (unqualified) that holds for the messages of thread
     * {@code conversationId}: the indexed ones that meet {@code indexed} (a condition on the entry {@code t} and its
     * message {@code m}, starting with {@code AND}; empty for all), only the newest {@code newest} of those when it is
     * not null, and every message not yet indexed. The caller applies its conditions, order and limit again.
     */
    public static Where sqliteThread(java.util.UUID conversationId, Where indexed, Integer newest) {
        String entries = "SELECT m.rowid AS r FROM thread_entries t JOIN messages m ON m.id = t.id "
                + "WHERE t.conversation_id = ?" + indexed.sql();
        List<Object> values = new ArrayList<>();
        values.add(conversationId);
        values.addAll(indexed.values());
        if (newest != null) {
            entries = "SELECT r FROM (" + entries + " ORDER BY t.created_at DESC, t.id DESC LIMIT ?)";
            values.add(newest);
        }
        values.add(conversationId);
        return new Where("rowid IN (" + entries + " UNION ALL SELECT rowid FROM messages WHERE rowid > " + MARK
                + " AND conversation_id = ?)", values);
    }

    /**
     * A thread's newest message time on SQLite, as a scalar subquery over {@code conversations} (for
     * {@code last_message_at}): the newest entry, or a newer message not yet indexed.
     */
    static final String SQLITE_LAST_MESSAGE_AT = newestOf("SELECT MAX(m.created_at) FROM messages m WHERE m.rowid > "
            + MARK + " AND m.conversation_id = conversations.id");

    /**
     * For a statement over many threads: {@link #SQLITE_TAIL} names, once per statement, each thread's newest
     * message not yet indexed, and this reads it instead of looking through those messages once per thread.
     */
    static final String SQLITE_LAST_MESSAGE_AT_WITH_TAIL = newestOf(
            "SELECT tail.at FROM tail WHERE tail.conversation_id = conversations.id");

    /** The newest of the thread's newest entry and what {@code notYetIndexed} (a one-column query) finds. */
    private static String newestOf(String notYetIndexed) {
        return "(SELECT MAX(at) FROM (SELECT MAX(t.created_at) AS at FROM thread_entries t "
                + "WHERE t.conversation_id = conversations.id UNION ALL " + notYetIndexed + "))";
    }

    /** The {@code WITH} clause {@link #SQLITE_LAST_MESSAGE_AT_WITH_TAIL} reads. */
    static final String SQLITE_TAIL = "WITH tail AS MATERIALIZED (SELECT conversation_id, MAX(created_at) AS at "
            + "FROM messages WHERE rowid > " + MARK + " GROUP BY conversation_id) ";

    @Override
    public void close() {
        running = false;
        Thread t = loop;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
