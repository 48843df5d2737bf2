package dev.msgbubbles.chat;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Dialect;
import dev.msgbubbles.db.Sql;
import dev.msgbubbles.db.Writes;
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
 * {@code thread_entries_mark.upto}: every message up to that rowid of {@code messages} has its entry. A read by
 * thread takes, in one statement (one snapshot), the messages whose entries it finds and every message past the mark,
 * by rowid: it misses none, since the mark moves only once the entries are written, and counts each once, even one
 * whose entry was written before the mark passed it.
 *
 * <p>Started on SQLite, a background loop catches up every {@code interval}; nothing depends on its timing but how
 * many not yet indexed messages a read by thread looks through (about a second's worth).
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
    /** Entries written per transaction of a catch-up: short, so the single writer is never held for long. */
    static final int CHUNK = 512;

    /** SQLite: the rowids of not yet indexed messages start after this. */
    private static final String MARK = "(SELECT upto FROM thread_entries_mark)";

    private final Database db;
    private final Writes writes;
    private final Duration interval;
    private volatile boolean running;
    private Thread loop;

    /**
     * Reads from {@code db} and writes the entries through {@code writes}: the group commit in the server, so that a
     * catch-up's inserts share the writer's transactions instead of taking SQLite's one write connection away from
     * it (each chunk of a catch-up is one unit of work there).
     */
    public ThreadIndex(Database db, Writes writes, Duration interval) {
        this.db = db;
        this.writes = writes;
        this.interval = interval;
    }

    /** Starts the catch-up loop on SQLite; nothing on PostgreSQL. */
    public void start() {
        if (db.dialect() != Dialect.SQLITE || running) {
            return;
        }
        running = true;
        loop = Thread.ofVirtual().name("thread-index").start(() -> {
            while (running) {
                try {
                    while (running && catchUp(db, writes, BATCH, CHUNK) == BATCH) {
                        // a backlog: the next batch at once
                    }
                } catch (RuntimeException e) {
                    LOG.error("thread index catch-up failed; trying again", e);
                }
                LockSupport.parkNanos(interval.toNanos());
            }
        });
    }

    /**
     * SQLite: writes the entries of up to {@code max} messages past the mark, sorted by thread so that each
     * transaction of {@code chunk} entries fills a few neighbouring pages, then moves the mark past them; returns how
     * many. An entry may exist before the mark passes its message (a catch-up cut short, or one running beside a read):
     * reads take a thread's messages by rowid, so a message both indexed and past the mark still counts once, and
     * writing it again is ignored.
     */
    public static int catchUp(Database db, int max, int chunk) {
        return catchUp(db, db, max, chunk);
    }

    /** {@link #catchUp(Database, int, int)}, writing through {@code writes}. */
    public static int catchUp(Database db, Writes writes, int max, int chunk) {
        record Entry(long rowid, String conversationId, long createdAt, String id) {
        }
        List<Entry> entries = db.read(h -> Sql.list(h, "SELECT rowid, conversation_id, created_at, id FROM messages "
                + "WHERE rowid > " + MARK + " ORDER BY rowid LIMIT ?", row -> new Entry(row.longValue("rowid"),
                row.string("conversation_id"), row.longValue("created_at"), row.string("id")), max));
        if (entries.isEmpty()) {
            return 0;
        }
        long upto = entries.getLast().rowid();
        List<Entry> byThread = new ArrayList<>(entries);
        byThread.sort(Comparator.comparing(Entry::conversationId).thenComparingLong(Entry::createdAt)
                .thenComparing(Entry::id));
        for (int from = 0; from < byThread.size(); from += chunk) {
            List<Object[]> rows = new ArrayList<>();
            for (Entry e : byThread.subList(from, Math.min(byThread.size(), from + chunk))) {
                rows.add(new Object[] {e.conversationId(), e.createdAt(), e.id()});
            }
            writes.writeVoid(tx -> Sql.insertAll(tx, "INSERT OR IGNORE INTO thread_entries (conversation_id, created_at, id) "
                    + "VALUES", 3, rows));
        }
        writes.writeVoid(tx -> Sql.update(tx, "UPDATE thread_entries_mark SET upto = MAX(upto, ?)", upto));
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
