package dev.msgbubbles.db;

import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * Rows a write transaction inserts, deletes or updates as one of its last steps, together with the same kind of rows of
 * every other unit sharing the transaction (see {@link GroupCommit}): one multi-row statement (or, for updates, one
 * JDBC batch) per table and commit instead of one statement, and on PostgreSQL one network round trip, per row. The rows are written in
 * the order they were given, so a sequence or an autoincrement numbers them in that order, and before the
 * events step (see {@link Database.CommitStep#order()}).
 *
 * <p>Only for rows that nothing in the same transaction reads, updates or checks after handing them over: until
 * the last step the row is not in the table. A failure surfaces at the end of the transaction, which then rolls
 * back like any other failure (and group commit reruns each unit alone).
 */
public final class LastWrites {
    /** At most this many keys per statement (a power of two). */
    private static final int MAX_ROWS = 256;

    private LastWrites() {
    }

    /**
     * Inserts {@code row} (values in the order of the column list of {@code head}, the statement up to and including
     * {@code VALUES}) at the end of the transaction.
     */
    public static void insert(Handle tx, String head, int columns, Object... row) {
        if (row.length != columns) {
            throw new IllegalArgumentException("a row of " + row.length + " values for " + columns + " columns");
        }
        Database.lastStep(tx, "insert " + head, () -> new Inserts(head, columns)).rows.add(row);
    }

    /**
     * Runs {@code head}, a DELETE or UPDATE up to and including {@code IN} (e.g. {@code DELETE FROM jobs WHERE seq IN}),
     * for {@code key} at the end of the transaction, once for all the keys given for it (a key given twice counts
     * once). What the statement does to one row must not depend on the others or on their order.
     */
    public static void forKey(Handle tx, String head, Object key) {
        Database.lastStep(tx, "keys " + head, () -> new ForKeys(head)).keys.add(key);
    }

    /**
     * Runs {@code sql}, a statement about one row whose outcome nobody in the transaction needs, with {@code values} at
     * the end of the transaction, batched with the same statement of every other unit (one round trip on
     * PostgreSQL), in the order given.
     */
    public static void update(Handle tx, String sql, Object... values) {
        Database.lastStep(tx, "update " + sql, () -> new Updates(sql)).rows.add(values);
    }

    /**
     * PostgreSQL: an UPDATE of many rows by key from a list of values, one statement per chunk of rows:
     * {@code head} up to and including {@code FROM (VALUES}, then {@code group} (the placeholders of one row, with
     * casts) per row, then {@code tail} (closing the list, naming its columns and joining it to the table on the key,
     * with any guard). With {@code moved} set, the tail ends in {@code RETURNING} the key and {@code moved} reads it:
     * each row's follow-up then runs only if its row was updated (the guard let it through).
     */
    public record FromValues(String head, String group, String tail, Sql.RowMapper<?> moved) {
    }

    /**
     * Holds an update of one row by {@code key} (values {@code row}, in the order of {@code update}'s group) to the end
     * of the transaction, where it is made with every other row held for the same statement (a JDBC batch still
     * executes one statement per row); then {@code then} (may be null; only with {@code update.moved()}) runs if the
     * row was updated, in the order the rows were given, after the other rows written together and before the events
     * step, so it may append events. What the statement does to one row must not depend on the others; a {@code key}
     * given a second time first makes the rows held so far, so that the second row finds the first one's change.
     * Whoever reads or changes those rows in the same transaction calls {@link #settle} first.
     */
    public static void updateFrom(Handle tx, FromValues update, Object key, Runnable then, Object... row) {
        if (then != null && update.moved() == null) {
            throw new IllegalArgumentException("a follow-up needs the statement to return the rows it updated");
        }
        UpdatesFrom held = Database.lastStep(tx, "update from " + update.head(), () -> new UpdatesFrom(update, row.length));
        if (held.rows.containsKey(key)) {
            held.run(tx);
        }
        held.rows.put(key, new UpdatesFrom.Row(key, row, then));
    }

    /** Makes now the rows {@link #updateFrom} holds for {@code update} in {@code h}, if it is a write transaction holding any. */
    public static void settle(Handle h, FromValues update) {
        UpdatesFrom held = Database.stepIfAny(h, "update from " + update.head());
        if (held != null) {
            held.run(h);
        }
    }

    /**
     * Runs now what {@link #forKey} left for the end of the transaction under {@code head} for {@code key}, if anything:
     * for a statement about the same row that must see it done (and in the order the units of a batch asked).
     */
    public static void flush(Handle tx, String head, Object key) {
        ForKeys pending = Database.lastStep(tx, "keys " + head, () -> new ForKeys(head));
        if (pending.keys.remove(key)) {
            Sql.update(tx, head + " (?)", key);
        }
    }

    private static final class Inserts implements Database.CommitStep {
        private final String head;
        private final int columns;
        private final List<Object[]> rows = new ArrayList<>();

        Inserts(String head, int columns) {
            this.head = head;
            this.columns = columns;
        }

        @Override
        public void run(Handle tx) {
            Sql.insertAll(tx, head, columns, rows);
        }
    }

    private static final class Updates implements Database.CommitStep {
        private final String sql;
        private final List<Object[]> rows = new ArrayList<>();

        Updates(String sql) {
            this.sql = sql;
        }

        @Override
        public void run(Handle tx) {
            Sql.updateBatch(tx, sql, rows);
        }
    }

    private static final class UpdatesFrom implements Database.CommitStep {
        record Row(Object key, Object[] values, Runnable then) {
        }

        private final FromValues update;
        private final int columns;
        /** By key, in the order given (a key is held once: see {@link #updateFrom}). */
        private final java.util.LinkedHashMap<Object, Row> rows = new java.util.LinkedHashMap<>();

        UpdatesFrom(FromValues update, int columns) {
            this.update = update;
            this.columns = columns;
        }

        /** After the rows written together (order 0), before the events step (2). */
        @Override
        public int order() {
            return 1;
        }

        /** Makes the held rows and forgets them; then runs the follow-ups of those updated, in the order given. */
        @Override
        public void run(Handle tx) {
            if (rows.isEmpty()) {
                return;
            }
            List<Row> made = List.copyOf(rows.values());
            rows.clear();
            java.util.Set<Object> updated = new java.util.HashSet<>();
            Sql.inChunks(update.head(), update.group(), update.tail(), columns,
                    made.stream().map(Row::values).toList(), (sql, chunk) -> {
                        if (update.moved() == null) {
                            Sql.update(tx, sql, chunk);
                        } else {
                            updated.addAll(Sql.list(tx, sql, update.moved(), chunk));
                        }
                    });
            for (Row row : made) {
                if (row.then() != null && updated.contains(row.key())) {
                    row.then().run();
                }
            }
        }
    }

    private static final class ForKeys implements Database.CommitStep {
        private final String head;
        private final java.util.Set<Object> keys = new java.util.LinkedHashSet<>();

        ForKeys(String head) {
            this.head = head;
        }

        /** In chunks of at most {@link #MAX_ROWS} keys, each padded (see {@link Sql#paddedKeys}). */
        @Override
        public void run(Handle tx) {
            List<Object> all = List.copyOf(keys);
            for (int from = 0; from < all.size(); from += MAX_ROWS) {
                Object[] values = Sql.paddedKeys(all.subList(from, Math.min(all.size(), from + MAX_ROWS)));
                Sql.update(tx, head + " (" + Sql.repeat("?", values.length) + ")", values);
            }
        }
    }
}
