package dev.msgbubbles.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.sqlite.SQLiteConnection;

/**
 * Plain JDBC statements on the connection of a JDBI handle, for the hot path (a message's acceptance, its
 * send and its receipts), where JDBI's per-statement work (named-parameter rewriting, argument factory lookup,
 * statement contexts) costs several times what SQLite spends executing the statement. The SQL stays a visible
 * constant next to its mapper; parameters are positional ({@code ?}) and bound by their Java type:
 * {@link UUID} as each dialect stores it (text on SQLite, {@code uuid} on PostgreSQL), {@link Instant} as epoch
 * milliseconds, {@code null} untyped.
 *
 * <p>On SQLite a statement is prepared once per connection and kept: sqlite-jdbc parses the SQL on every
 * prepare and has no cache of its own, and its pools never retire connections (see {@link Database}). The
 * PostgreSQL driver keeps server-side plans per connection itself, so there a statement is prepared per use.
 * A statement is only ever used by the thread that holds its connection.
 */
public final class Sql {
    private static final Map<Connection, Map<String, PreparedStatement>> PREPARED = new ConcurrentHashMap<>();

    private Sql() {
    }

    /** Reads one column value of the current row. */
    @FunctionalInterface
    public interface RowMapper<T> {
        T map(Row row) throws SQLException;
    }

    /** The current row of a result, with the conversions every store needs. */
    public static final class Row {
        private final ResultSet rs;
        private final boolean sqlite;

        private Row(ResultSet rs, boolean sqlite) {
            this.rs = rs;
            this.sqlite = sqlite;
        }

        public String string(String column) throws SQLException {
            return rs.getString(column);
        }

        public UUID uuid(String column) throws SQLException {
            if (sqlite) {
                String text = rs.getString(column);
                return text == null ? null : UUID.fromString(text);
            }
            return rs.getObject(column, UUID.class);
        }

        public long longValue(String column) throws SQLException {
            return rs.getLong(column);
        }

        public int intValue(String column) throws SQLException {
            return rs.getInt(column);
        }

        /** An integer column that may be NULL. */
        public Integer intOrNull(String column) throws SQLException {
            int value = rs.getInt(column);
            return rs.wasNull() ? null : value;
        }

        /** A 64-bit integer column that may be NULL. */
        public Long longOrNull(String column) throws SQLException {
            long value = rs.getLong(column);
            return rs.wasNull() ? null : value;
        }

        /** A boolean column ({@code BOOLEAN} on PostgreSQL, 0/1 on SQLite). */
        public boolean bool(String column) throws SQLException {
            return rs.getBoolean(column);
        }

        /** An epoch-millisecond column as an instant (see {@link Sql#stored}); null when the column is NULL. */
        public Instant instant(String column) throws SQLException {
            long value = rs.getLong(column);
            return rs.wasNull() ? null : Instant.ofEpochMilli(value);
        }
    }

    /**
     * {@code instant} as a read returns it once bound and stored: instants are kept as epoch milliseconds, so anything
     * finer is dropped. Null for null. For values handed on in memory that must equal what a read would give.
     */
    public static Instant stored(Instant instant) {
        return instant == null ? null : Instant.ofEpochMilli(instant.toEpochMilli());
    }

    /** Executes an INSERT, UPDATE or DELETE; returns the number of rows changed. */
    public static int update(Handle h, String sql, Object... values) {
        return execute(h, sql, values, (statement, sqlite) -> statement.executeUpdate());
    }

    /**
     * Executes one statement once per row of {@code rows} as a JDBC batch: on PostgreSQL the driver sends them
     * together (one round trip); SQLite runs them one after the other on the prepared statement. Returns the number
     * of rows each changed.
     */
    public static int[] updateBatch(Handle h, String sql, List<Object[]> rows) {
        if (rows.isEmpty()) {
            return new int[0];
        }
        return execute(h, sql, new Object[0], (statement, sqlite) -> {
            for (Object[] row : rows) {
                bind(statement, sqlite, row);
                statement.addBatch();
            }
            return statement.executeBatch();
        });
    }

    /** Runs a query (or a statement with RETURNING) and maps every row. */
    public static <T> List<T> list(Handle h, String sql, RowMapper<T> mapper, Object... values) {
        return execute(h, sql, values, (statement, sqlite) -> {
            List<T> rows = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                Row row = new Row(rs, sqlite);
                while (rs.next()) {
                    rows.add(mapper.map(row));
                }
            }
            return rows;
        });
    }

    /** What to do with a prepared, bound statement. */
    @FunctionalInterface
    private interface Execution<R> {
        R run(PreparedStatement statement, boolean sqlite) throws SQLException;
    }

    /** Prepares (or takes from the cache), binds and runs; a statement that failed is never handed out again. */
    private static <R> R execute(Handle h, String sql, Object[] values, Execution<R> execution) {
        Connection connection = h.getConnection();
        PreparedStatement statement = null;
        boolean sqlite = false;
        try {
            sqlite = isSqlite(connection);
            statement = prepare(connection, sqlite, sql);
            bind(statement, sqlite, values);
            return execution.run(statement, sqlite);
        } catch (SQLException e) {
            discard(connection, sqlite, sql, statement);
            statement = null;
            throw new SqlFailure(sql, e);
        } finally {
            release(sqlite, statement);
        }
    }

    /** Like {@link #list}, for at most one row. */
    public static <T> Optional<T> one(Handle h, String sql, RowMapper<T> mapper, Object... values) {
        List<T> rows = list(h, sql, mapper, values);
        if (rows.size() > 1) {
            throw new IllegalStateException("expected at most one row from: " + sql);
        }
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
    }

    /**
     * Inserts {@code rows} (each {@code columns} values, in the order of {@code head}'s column list) with multi-row
     * VALUES statements of 256, 128, ... 1 rows: few distinct statements to prepare, however many rows there are.
     * {@code head} is the statement up to and including {@code VALUES}.
     */
    public static void insertAll(Handle h, String head, int columns, List<Object[]> rows) {
        inChunks(head, columns, rows, (sql, values) -> update(h, sql, values));
    }

    /** Splits {@code rows} into multi-row VALUES statements of 256, 128, ... 1 rows and hands each over. */
    private static void inChunks(String head, int columns, List<Object[]> rows,
                                 java.util.function.BiConsumer<String, Object[]> statement) {
        inChunks(head, "(" + repeat("?", columns) + ")", "", columns, rows, statement);
    }

    /**
     * Splits {@code rows} into statements {@code head}, then {@code group} (the placeholders of one row, e.g.
     * {@code (?::uuid, ?)}) once per row separated by commas, then {@code tail}, of 256, 128, ... 1 rows (so that a few
     * statement texts cover every count), and hands each over with its values.
     */
    static void inChunks(String head, String group, String tail, int columns, List<Object[]> rows,
                         java.util.function.BiConsumer<String, Object[]> statement) {
        for (int from = 0, size; from < rows.size(); from += size) {
            size = Integer.highestOneBit(Math.min(rows.size() - from, 256));
            Object[] values = new Object[size * columns];
            for (int r = 0; r < size; r++) {
                Object[] row = rows.get(from + r);
                if (row.length != columns) {
                    throw new IllegalArgumentException("a row of " + row.length + " values for " + columns + " columns");
                }
                System.arraycopy(row, 0, values, r * columns, columns);
            }
            statement.accept(head + " " + repeat(group, size) + tail, values);
        }
    }

    /**
     * {@code keys} as the values of an {@code IN} list, padded to a power of two by repeating the last key (which
     * matches no other row), so that however many keys there are only a few distinct statements get prepared.
     */
    public static Object[] paddedKeys(List<?> keys) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("an IN list needs at least one key");
        }
        int size = keys.size() == 1 ? 1 : Integer.highestOneBit(keys.size() - 1) << 1;
        Object[] values = new Object[size];
        for (int i = 0; i < size; i++) {
            values[i] = keys.get(Math.min(i, keys.size() - 1));
        }
        return values;
    }

    /** {@code count} comma-separated copies of {@code group}, e.g. {@code (?, ?)} for a multi-row VALUES list. */
    public static String repeat(String group, int count) {
        StringBuilder out = new StringBuilder(group.length() * count + 2 * count);
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                out.append(", ");
            }
            out.append(group);
        }
        return out.toString();
    }

    /** The dialect of the store behind {@code h}. */
    public static Dialect dialect(Handle h) {
        try {
            return isSqlite(h.getConnection()) ? Dialect.SQLITE : Dialect.POSTGRESQL;
        } catch (SQLException e) {
            throw new SqlFailure("(dialect)", e);
        }
    }

    private static boolean isSqlite(Connection connection) throws SQLException {
        return connection instanceof SQLiteConnection || connection.isWrapperFor(SQLiteConnection.class);
    }

    private static PreparedStatement prepare(Connection connection, boolean sqlite, String sql) throws SQLException {
        if (!sqlite) {
            return connection.prepareStatement(sql);
        }
        Connection raw = connection.unwrap(SQLiteConnection.class);
        Map<String, PreparedStatement> cache = PREPARED.get(raw);
        if (cache == null) {
            PREPARED.keySet().removeIf(Sql::closed); // a connection the pool replaced: its statements went with it
            cache = new HashMap<>();
            PREPARED.put(raw, cache);
        }
        PreparedStatement statement = cache.get(sql);
        if (statement == null || statement.isClosed()) {
            statement = raw.prepareStatement(sqliteText(sql));
            cache.put(sql, statement);
        }
        return statement;
    }

    private static final Pattern LIMIT_PARAMETER = Pattern.compile("\\bLIMIT\\s+\\?", Pattern.CASE_INSENSITIVE);

    /**
     * The text SQLite prepares for {@code sql}: each {@code LIMIT ?} as {@code LIMIT +?}, the same count. SQLite
     * (3.54, as sqlite-jdbc bundles it) reads a bare {@code LIMIT ?}'s bound value while it plans, and so marks the
     * statement to be planned again whenever that parameter is bound anew or cleared: a fresh statement was parsed
     * twice, and a kept one parsed and planned again on every use, since {@link #release} clears its parameters (the
     * job claim's re-preparing was 3.2 % of the single writer's time under the send load, profiled with SQLite's
     * symbols). A unary plus is an expression SQLite does not look into, and costs nothing at run time.
     */
    static String sqliteText(String sql) {
        return LIMIT_PARAMETER.matcher(sql).replaceAll("LIMIT +?");
    }

    private static boolean closed(Connection connection) {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    private static void bind(PreparedStatement statement, boolean sqlite, Object[] values) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            int position = i + 1;
            switch (values[i]) {
                case null -> statement.setNull(position, sqlite ? Types.NULL : Types.OTHER);
                case String text -> statement.setString(position, text);
                case Long number -> statement.setLong(position, number);
                case Integer number -> statement.setInt(position, number);
                case Boolean flag -> statement.setBoolean(position, flag);
                case Instant instant -> statement.setLong(position, instant.toEpochMilli());
                case UUID uuid -> {
                    if (sqlite) {
                        statement.setString(position, uuid.toString());
                    } else {
                        statement.setObject(position, uuid);
                    }
                }
                default -> throw new IllegalArgumentException("cannot bind a " + values[i].getClass().getName());
            }
        }
    }

    private static void release(boolean sqlite, PreparedStatement statement) {
        if (statement == null) {
            return;
        }
        try {
            if (sqlite) {
                statement.clearParameters();
            } else {
                statement.close();
            }
        } catch (SQLException ignored) {
            // closing or resetting a statement that already failed: nothing left to release
        }
    }

    /** A statement that failed may be left mid-execution: never hand it out again. */
    private static void discard(Connection connection, boolean sqlite, String sql, PreparedStatement statement) {
        if (statement == null) {
            return;
        }
        try {
            if (sqlite) {
                Map<String, PreparedStatement> cache = PREPARED.get(connection.unwrap(SQLiteConnection.class));
                if (cache != null) {
                    cache.remove(sql);
                }
            }
            statement.close();
        } catch (SQLException ignored) {
            // the statement is dropped either way
        }
    }

    /** A statement failed; carries the SQL (never the bound values) and the driver's exception. */
    public static final class SqlFailure extends RuntimeException {
        SqlFailure(String sql, SQLException cause) {
            super("statement failed: " + cause.getMessage() + " [" + sql.strip().replaceAll("\\s+", " ") + "]", cause);
        }
    }
}
