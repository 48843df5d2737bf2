package dev.msgbubbles.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.msgbubbles.config.Config;
import dev.msgbubbles.config.DatabaseTarget;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Types;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementException;
import org.jdbi.v3.core.statement.StatementExceptions;
import org.jdbi.v3.core.argument.AbstractArgumentFactory;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.config.ConfigRegistry;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.HandleConsumer;
import org.jdbi.v3.core.transaction.TransactionException;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import org.slf4j.LoggerFactory;

/**
 * Connection pools and JDBI for one store. Writes go through {@link #write} (one transaction per call);
 * reads through {@link #read}. On SQLite there is exactly one writer connection, opened with
 * {@code BEGIN IMMEDIATE} transactions so that writers queue on the pool instead of failing with
 * {@code SQLITE_BUSY}, plus a pool of read-only connections that WAL lets run beside it. On PostgreSQL
 * both paths share one pool.
 *
 * <p>Storage conventions for every table: ids are UUIDs ({@code uuid} on PostgreSQL, text on SQLite, bound
 * and mapped as {@link UUID} either way) and times are epoch milliseconds in a {@code BIGINT}.
 */
public final class Database implements Writes, AutoCloseable {
    private static final int SQLITE_READERS = 4;
    /** The side file's lock wait: one background user, and no request waits on it (see {@link #openSide}). */
    private static final java.time.Duration SIDE_BUSY_TIMEOUT = java.time.Duration.ofSeconds(10);

    private final Dialect dialect;
    private final String description;
    private final HikariDataSource writer;
    private final HikariDataSource reader;
    private final Jdbi writeJdbi;
    private final Jdbi readJdbi;
    private final int expectedMigrations;
    /** SQLite: opens connections of its own to the store (for the {@link Checkpointer}); null on PostgreSQL. */
    private final DataSource sqliteSource;
    /** SQLite: the one connection that writes the store's side file (see {@link #sideWrite}); null on PostgreSQL. */
    private final HikariDataSource side;
    private final Jdbi sideJdbi;
    /** What each open write transaction has registered: its last steps and its after-commit hooks. */
    private static final Map<Handle, Hooks> OPEN = new java.util.concurrent.ConcurrentHashMap<>();

    private record Hooks(Map<String, CommitStep> steps, Map<String, Runnable> afterCommit) {
        Hooks() {
            this(new java.util.LinkedHashMap<>(), new java.util.LinkedHashMap<>());
        }
    }

    private Database(Dialect dialect, String description, HikariDataSource writer, HikariDataSource reader,
                     int expectedMigrations, DataSource sqliteSource, HikariDataSource side) {
        this.dialect = dialect;
        this.sqliteSource = sqliteSource;
        this.side = side;
        this.sideJdbi = side == null ? null : configure(Jdbi.create(side), dialect);
        this.description = description;
        this.writer = writer;
        this.reader = reader;
        this.expectedMigrations = expectedMigrations;
        this.writeJdbi = configure(Jdbi.create(writer), dialect);
        this.readJdbi = reader == writer ? writeJdbi : configure(Jdbi.create(reader), dialect);
    }

    /**
     * Opens the pools and applies pending migrations; fails fast when the store is unreachable, with
     * {@link CannotOpen} (or {@link NewerSchemaException}).
     */
    public static Database open(Config.Storage storage, MeterRegistry registry) {
        try {
            return connect(storage, registry);
        } catch (NewerSchemaException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CannotOpen(storage.database().display(), e);
        }
    }

    /**
     * The store could not be opened: PostgreSQL does not answer or refuses the connection (no such database, wrong
     * password), the SQLite file or its directory cannot be created or opened, a migration failed. An operator's
     * matter, not a bug: {@code serve} and {@code admin} print the message, one line naming the database and the
     * reason, without a stack trace. The display never holds the password.
     */
    public static final class CannotOpen extends RuntimeException {
        CannotOpen(String display, RuntimeException failure) {
            super("cannot open the database " + display + ": " + reasons(failure), failure);
        }

        /** The messages along the cause chain, each once ("Failed to initialize pool: FATAL: …" holds its cause's). */
        private static String reasons(Throwable failure) {
            StringBuilder text = new StringBuilder();
            int depth = 0;
            for (Throwable t = failure; t != null && depth < 8; t = t.getCause(), depth++) {
                String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().strip();
                if (!text.toString().contains(message)) {
                    text.append(text.isEmpty() ? "" : ": ").append(message);
                }
            }
            return text.toString().replaceAll("\\s*\\R\\s*", " ");
        }
    }

    private static Database connect(Config.Storage storage, MeterRegistry registry) {
        DatabaseTarget target = storage.database();
        if (target.kind() == DatabaseTarget.Kind.POSTGRESQL) {
            HikariConfig config = base("msgbubbles-pg", storage.poolSize(), storage.connectionWait(), registry);
            config.setJdbcUrl(target.jdbcUrl());
            config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
            // the server's detail of an error quotes row values ("Key (v)=(…) already exists"): not in our logs
            config.addDataSourceProperty("logServerErrorDetail", "false");
            if (target.user() != null) {
                config.setUsername(target.user());
            }
            if (target.password() != null) {
                config.setPassword(target.password());
            }
            HikariDataSource pool = new HikariDataSource(config);
            try {
                // Flyway holds one connection for its lock and works on a second: on connections of its own, so that
                // a pool of one (MSGBUBBLES_DATABASE_POOL_SIZE=1) can still start
                org.postgresql.ds.PGSimpleDataSource direct = new org.postgresql.ds.PGSimpleDataSource();
                direct.setURL(target.jdbcUrl());
                if (target.user() != null) {
                    direct.setUser(target.user());
                }
                if (target.password() != null) {
                    direct.setPassword(target.password());
                }
                int migrations = migrate(Dialect.POSTGRESQL, direct);
                return new Database(Dialect.POSTGRESQL, target.display(), pool, pool, migrations, null, null);
            } catch (RuntimeException e) {
                pool.close();
                throw e;
            }
        }
        createParentDirectory(target.jdbcUrl());
        SQLiteDataSource writeSource = sqlite(target.jdbcUrl(), storage.sqliteSynchronous(), false, storage.connectionWait());
        int migrations = migrate(Dialect.SQLITE, writeSource);
        Path sideFile = sideFile(target.jdbcUrl());
        HikariDataSource side = openSide(sideFile, storage.sqliteSynchronous(), registry);
        // read-only on the store's own connections, the writer's too: BEGIN IMMEDIATE starts a write transaction on
        // every attached database it may write, which would hold the side file's writer off for as long as the
        // store's writer is busy
        String attach = "ATTACH DATABASE '" + sideFile.toUri().toString().replace("'", "''") + "?mode=ro' AS side";
        HikariDataSource writer = null;
        try {
            HikariConfig writeConfig = base("msgbubbles-sqlite-writer", 1, storage.connectionWait(), registry);
            writeConfig.setDataSource(writeSource);
            writeConfig.setMaxLifetime(0); // keep the connection, and the statements Sql prepared on it, for good
            writeConfig.setConnectionInitSql(attach);
            writer = new HikariDataSource(writeConfig);
            HikariConfig readConfig = base("msgbubbles-sqlite-reader", SQLITE_READERS, storage.connectionWait(),
                    registry);
            readConfig.setDataSource(sqlite(target.jdbcUrl(), storage.sqliteSynchronous(), true, storage.connectionWait()));
            readConfig.setReadOnly(true); // must match the open flag: sqlite-jdbc cannot change it later
            readConfig.setMaxLifetime(0);
            readConfig.setConnectionInitSql(attach);
            return new Database(Dialect.SQLITE, target.display(), writer, new HikariDataSource(readConfig), migrations,
                    writeSource, side);
        } catch (RuntimeException e) {
            if (writer != null) {
                writer.close();
            }
            side.close();
            throw e;
        }
    }

    /**
     * SQLite: the side file of the store at {@code sqliteUrl}, beside it ({@code msgbubbles.db} has
     * {@code msgbubbles-threads.db}). It holds data derived from the store that is written on a connection of its own,
     * off the store's single writer: the index of messages by thread ({@code ThreadIndex}). Losing it loses nothing;
     * it is written again from the store.
     */
    static Path sideFile(String sqliteUrl) {
        String path = sqliteUrl.substring("jdbc:sqlite:".length());
        if (path.isEmpty() || DatabaseTarget.inMemorySqlite(sqliteUrl)) {
            throw new IllegalArgumentException("a SQLite store must be a file, not memory: " + sqliteUrl);
        }
        if (path.startsWith("file:")) {
            int query = path.indexOf('?');
            path = path.substring("file:".length(), query < 0 ? path.length() : query);
            if (path.startsWith("//")) { // file://host/path: only the local host's empty name is taken
                path = path.substring(path.indexOf('/', 2));
            }
        }
        Path file = Path.of(path).toAbsolutePath().normalize();
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String sideName = dot > 0 ? name.substring(0, dot) + "-threads" + name.substring(dot) : name + "-threads";
        return file.resolveSibling(sideName);
    }

    /** Opens (creating it if need be) the side file and brings its tables up to date; see {@link #sideFile}. */
    private static HikariDataSource openSide(Path file, String synchronous, MeterRegistry registry) {
        String schema = sideSchema();
        // one background user at a time (ThreadIndex), and no request waits on it: HikariCP's default wait
        HikariConfig config = base("msgbubbles-sqlite-side", 1, java.time.Duration.ofSeconds(30), registry);
        config.setDataSource(sqlite("jdbc:sqlite:" + file, synchronous, false, SIDE_BUSY_TIMEOUT));
        config.setMaxLifetime(0);
        HikariDataSource side = new HikariDataSource(config);
        try {
            Jdbi.create(side).useHandle(h -> {
                for (String statement : schema.replaceAll("(?m)^--.*$", "").split(";")) {
                    if (!statement.isBlank()) {
                        h.execute(statement);
                    }
                }
            });
            return side;
        } catch (RuntimeException e) {
            side.close();
            throw e;
        }
    }

    /** The side file's statements, each run at every open ({@code db/side/sqlite.sql}). */
    private static String sideSchema() {
        try (var in = Database.class.getResourceAsStream("/db/side/sqlite.sql")) {
            if (in == null) {
                throw new IllegalStateException("db/side/sqlite.sql is missing from the build");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read db/side/sqlite.sql", e);
        }
    }

    public Dialect dialect() {
        return dialect;
    }

    /**
     * SQLite: starts copying the log back into the database file every {@code every} from a connection of its own,
     * ahead of the writer's checkpoints (see {@link Checkpointer}); closing the result stops it. Nothing on
     * PostgreSQL, or when {@code every} is zero.
     */
    public Background backgroundCheckpoints(java.time.Duration every) {
        if (sqliteSource == null || every.isZero()) {
            return () -> { };
        }
        return new Checkpointer(sqliteSource, every);
    }

    /**
     * PostgreSQL: analyzes each table once it has grown tenfold past its statistics (at least 10,000 rows), checking
     * every {@code every}, for stores where nothing else keeps the statistics (see {@link Analyzer}); closing the
     * result stops it. Nothing on SQLite, or when {@code every} is zero.
     */
    public Background backgroundAnalyze(java.time.Duration every) {
        if (dialect != Dialect.POSTGRESQL || every.isZero()) {
            return () -> { };
        }
        return new Analyzer(this, ANALYZE_MIN_ROWS).start(every);
    }

    /** The fewest rows a table has before {@link #backgroundAnalyze} looks at it. */
    static final long ANALYZE_MIN_ROWS = 10_000;

    /** Work a {@link Database} runs in the background until closed; closing never throws. */
    public interface Background extends AutoCloseable {
        @Override
        void close();
    }

    /** The store, for logs: never contains a password. */
    public String description() {
        return description;
    }

    /**
     * PostgreSQL: why nothing will keep the planner's statistics of this schema's tables current, if anything, for a
     * warning at start (empty on SQLite, and where autovacuum runs). The server vacuums its job tables itself (see
     * {@code QueueVacuum}) but analyzes nothing; without autovacuum's analyzes a pooled connection keeps the generic
     * plans it made while a table was small: a sequential scan of webhook deliveries took 28 ms a statement after
     * 100,000 deliveries within one benchmark run (README, "Running on PostgreSQL").
     */
    public List<String> statisticsGaps() {
        if (dialect != Dialect.POSTGRESQL) {
            return List.of();
        }
        return read(h -> h.createQuery("""
                SELECT 'autovacuum = off' AS gap WHERE current_setting('autovacuum') = 'off'
                UNION ALL
                SELECT 'track_counts = off' WHERE current_setting('track_counts') = 'off'
                UNION ALL
                SELECT * FROM (SELECT c.relname || ': autovacuum_enabled = false' FROM pg_class c
                                WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
                                  AND EXISTS (SELECT 1 FROM unnest(c.reloptions) o
                                               WHERE o ~* '^autovacuum_enabled=(false|off|no|n|f|0)$')
                                ORDER BY c.relname) tables""").mapTo(String.class).list());
    }

    /** Runs {@code callback} in one write transaction: committed when it returns, rolled back when it throws. */
    @Override
    public <R> R write(HandleCallback<R, RuntimeException> callback) {
        Hooks[] committed = new Hooks[1];
        // the pool sets the isolation level on each connection once (READ COMMITTED on PostgreSQL; SQLite has one
        // writer): asking JDBI for a level per transaction cost a SHOW TRANSACTION ISOLATION LEVEL round trip each
        R result;
        try {
            result = writeJdbi.inTransaction(h -> {
                Hooks hooks = new Hooks(); // a retried transaction starts over
                committed[0] = hooks;
                OPEN.put(h, hooks);
                try {
                    R value = callback.withHandle(h);
                    runLastSteps(h, hooks);
                    return value;
                } finally {
                    OPEN.remove(h);
                }
            });
        } catch (RuntimeException e) {
            // no hooks: the transaction never began (SQLite's write lock stayed with another process, a connection
            // that broke at BEGIN), so its work never ran
            throw translated(e, committed[0] != null);
        }
        for (Runnable hook : committed[0].afterCommit().values()) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(Database.class).warn("an after-commit hook failed; the commit stands", e);
            }
        }
        return result;
    }

    /**
     * Runs {@code hook} once after write transaction {@code tx} commits (never if it rolls back), however many times
     * it is registered under {@code key}: a nudge to whoever works on what the transaction wrote (wake a worker).
     * Hooks run in the order their keys were first registered.
     * It must be cheap and must not rely on running: a crash right after the commit skips it.
     */
    public static void afterCommit(Handle tx, String key, Runnable hook) {
        hooks(tx, "the hook would never run").afterCommit().putIfAbsent(key, hook);
    }

    @Override
    public void writeVoid(HandleConsumer<RuntimeException> consumer) {
        write(h -> {
            consumer.useHandle(h);
            return null;
        });
    }

    /**
     * Runs the transaction's last steps in increasing {@link CommitStep#order()} (registration order among equals),
     * each once; a step registered while another runs runs too, in its turn.
     */
    private static void runLastSteps(Handle tx, Hooks hooks) {
        java.util.Set<CommitStep> done = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        while (true) {
            CommitStep next = null;
            for (CommitStep step : List.copyOf(hooks.steps().values())) {
                if (!done.contains(step) && (next == null || step.order() < next.order())) {
                    next = step;
                }
            }
            if (next == null) {
                return;
            }
            done.add(next);
            next.run(tx);
        }
    }

    /** Work a transaction does as its last step, after everything else and just before it commits. */
    @FunctionalInterface
    public interface CommitStep {
        void run(Handle tx);

        /**
         * Steps run in increasing order: rows written together ({@link LastWrites}) at 0, then updates from a list of
         * values ({@link LastWrites#updateFrom}), whose outcome may decide what events to write, at 1, and the events
         * step at 2, which writes what those rows' events cause under a lock held to the commit and so comes last.
         */
        default int order() {
            return 0;
        }
    }

    /**
     * The last step registered under {@code key} in write transaction {@code tx}, created by {@code create} on first
     * use: callers accumulate into it (e.g. rows to write together) and it runs once, just before the commit.
     * Only transactions of {@link #write} (and so of {@link GroupCommit}) have last steps; asking for one elsewhere
     * is a bug and throws, rather than losing the step.
     */
    @SuppressWarnings("unchecked")
    public static <T extends CommitStep> T lastStep(Handle tx, String key, java.util.function.Supplier<T> create) {
        return (T) hooks(tx, "its last step would never run").steps().computeIfAbsent(key, k -> create.get());
    }

    /**
     * The last step registered under {@code key} in {@code h}, or null when there is none yet or {@code h} is not a
     * write transaction of {@link #write}: for work that must run what a step holds before it goes on.
     */
    @SuppressWarnings("unchecked")
    public static <T extends CommitStep> T stepIfAny(Handle h, String key) {
        Hooks hooks = OPEN.get(h);
        return hooks == null ? null : (T) hooks.steps().get(key);
    }

    private static Hooks hooks(Handle tx, String otherwise) {
        Hooks hooks = OPEN.get(tx);
        if (hooks == null) {
            throw new IllegalStateException("not a Database.write transaction: " + otherwise);
        }
        return hooks;
    }

    /** Runs {@code callback} on a read connection (autocommit; each statement sees committed data). */
    public <R> R read(HandleCallback<R, RuntimeException> callback) {
        try {
            return readJdbi.withHandle(callback);
        } catch (RuntimeException e) {
            throw translated(e, false);
        }
    }

    /**
     * {@code failure} as {@link StoreUnavailable} when the store could not take the work, otherwise as it is. JDBI
     * throws {@link ConnectionException} only where it opens a connection, before any statement of the caller's ran; a
     * statement that met an {@link #outage} ended its transaction uncommitted. So nothing of that work was written
     * either way. A {@link TransactionException} of a transaction whose work {@code ran} is a commit (or rollback)
     * that failed itself: whether the commit took effect is unknown, so it stays what it is, unless it is one that
     * certainly {@link #neverCommitted}; one from before the work ran is a {@code BEGIN} that failed, and nothing was
     * written.
     */
    private RuntimeException translated(RuntimeException failure, boolean ran) {
        boolean unavailable = ran && failure instanceof TransactionException
                ? neverCommitted(failure)
                : failure instanceof ConnectionException || outage(failure);
        if (!unavailable) {
            return failure;
        }
        Throwable cause = failure.getCause() == null ? failure : failure.getCause();
        return new StoreUnavailable("the " + (dialect == Dialect.SQLITE ? "SQLite" : "PostgreSQL")
                + " store is unavailable: " + cause.getMessage(), failure);
    }

    /**
     * Runs one maintenance statement that must not run inside a transaction block (PostgreSQL's {@code VACUUM}) on a
     * write connection in autocommit mode. The statement is the caller's constant SQL, never user input.
     */
    public void outsideTransaction(String statement) {
        try {
            writeJdbi.useHandle(h -> h.execute(statement));
        } catch (RuntimeException e) {
            throw translated(e, false);
        }
    }

    /**
     * True when the store answers and its schema is the one this build knows: every migration applied, and none that a
     * newer version added since this process started (its code may no longer fit the schema: stop it, run the newer
     * version).
     */
    public boolean ready() {
        try {
            return appliedMigrations() == expectedMigrations;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * True when the store answered and a newer version has migrated it since this process started; false when it
     * did not answer (an outage is not a reason to stop, see {@link SchemaWatch}).
     */
    public boolean migratedByNewerVersion() {
        try {
            return appliedMigrations() > expectedMigrations;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private int appliedMigrations() {
        String success = dialect == Dialect.SQLITE ? "1" : "true";
        Integer applied = read(h -> h.createQuery("SELECT COUNT(*) FROM flyway_schema_history WHERE success = " + success
                + " AND version IS NOT NULL").mapTo(Integer.class).one());
        return applied == null ? 0 : applied;
    }

    /**
     * SQLite: runs {@code callback} in one transaction on the store's side file (see {@link #sideFile}), on the one
     * connection that writes it, never on the store's writer. The store's own connections see the side file's tables
     * (attached read-only as {@code side}), so a statement can join them with the store's; each database of such a
     * statement is read at its own latest commit. PostgreSQL has no side file.
     */
    public <R> R sideWrite(HandleCallback<R, RuntimeException> callback) {
        if (sideJdbi == null) {
            throw new IllegalStateException("only a SQLite store has a side file");
        }
        boolean[] ran = {false};
        try {
            return sideJdbi.inTransaction(h -> {
                ran[0] = true;
                return callback.withHandle(h);
            });
        } catch (RuntimeException e) {
            throw translated(e, ran[0]);
        }
    }

    /**
     * True when {@code failure} is the store's trouble rather than the work's: a connection the database ended or lost
     * (SQLSTATE class 08, or PostgreSQL's 57P01–57P03: shut down by an administrator, after a crash, not accepting
     * connections yet, as when it restarts), PostgreSQL out of resources (class 53: disk full, out of memory, too many
     * connections), or SQLite unable to write its files (full disk, I/O error) or to take its write lock within the
     * busy timeout (another process held it). The statement that met it failed and its transaction did not commit.
     */
    static boolean outage(Throwable failure) {
        return failure != null && (sqliteCode(failure, SQLITE_FULL) || sqliteCode(failure, SQLITE_IOERR)
                || sqliteCode(failure, SQLITE_BUSY) || postgresOutage(failure));
    }

    /**
     * True when a COMMIT that failed certainly did not take effect: SQLite could not append the transaction to its
     * write-ahead log for want of space (a full disk: {@code SQLITE_FULL}). The log takes a transaction's pages as
     * checksummed frames, in order, the one that marks the commit last, so a log that ran out of room before that frame
     * was whole holds no commit of it, neither now nor when the log is read again after a restart; and SQLite has
     * rolled the transaction back. (SQLite pads the log past the commit frame only on a device without
     * power-safe overwrite, which its Unix VFS assumes by default.) Any other failed commit, such as an I/O error
     * while syncing or a connection lost during PostgreSQL's {@code COMMIT}, may have taken effect.
     */
    static boolean neverCommitted(Throwable failure) {
        return sqliteCode(failure, SQLITE_FULL);
    }

    private static final int SQLITE_FULL = org.sqlite.SQLiteErrorCode.SQLITE_FULL.code;
    private static final int SQLITE_IOERR = org.sqlite.SQLiteErrorCode.SQLITE_IOERR.code;
    private static final int SQLITE_BUSY = org.sqlite.SQLiteErrorCode.SQLITE_BUSY.code;

    /** True when a SQLite failure with the primary result code {@code primary} is among {@code failure}'s causes. */
    private static boolean sqliteCode(Throwable failure, int primary) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            // extended codes keep the primary one in the low byte
            if (t instanceof org.sqlite.SQLiteException sqlite && (sqlite.getResultCode().code & 0xff) == primary) {
                return true;
            }
        }
        return false;
    }

    private static boolean postgresOutage(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (!(t instanceof org.sqlite.SQLiteException) && t instanceof java.sql.SQLException sql
                    && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("53") || state.equals("57P01") || state.equals("57P02")
                        || state.equals("57P03")) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void close() {
        if (reader != null && reader != writer) {
            reader.close();
        }
        writer.close();
        if (side != null) {
            side.close();
        }
    }

    private static int migrate(Dialect dialect, DataSource source) {
        Flyway flyway = Flyway.configure()
                .dataSource(source)
                .locations(dialect.migrationLocation())
                .failOnMissingLocations(true)
                .load();
        flyway.migrate();
        org.flywaydb.core.api.MigrationInfo[] all = flyway.info().all();
        List<String> newer = java.util.Arrays.stream(all)
                .filter(m -> m.getState() == org.flywaydb.core.api.MigrationState.FUTURE_SUCCESS
                        || m.getState() == org.flywaydb.core.api.MigrationState.FUTURE_FAILED)
                .map(m -> m.getVersion().getVersion()).toList();
        if (!newer.isEmpty()) {
            String known = java.util.Arrays.stream(all).filter(m -> m.getState().isResolved() && m.getVersion() != null)
                    .map(m -> m.getVersion().getVersion()).reduce((first, last) -> last).orElse("none");
            throw new NewerSchemaException("the database was migrated by a newer version of msgbubbles (schema version "
                    + newer.getLast() + "; this version knows up to " + known + "). Run that version or a later one: "
                    + "this one's code may not fit the schema any more.");
        }
        // from the same reading of the history as the check above (each info() reads the history table again)
        return (int) java.util.Arrays.stream(all)
                .filter(m -> m.getVersion() != null && m.getState().isApplied() && !m.getState().isFailed()).count();
    }

    /** The store's schema is newer than this build: refusing to start beats writing what the newer code misreads. */
    public static final class NewerSchemaException extends RuntimeException {
        NewerSchemaException(String message) {
            super(message);
        }
    }

    /**
     * {@code wait}: how long a caller waits for a connection (a free one, or a new one while the database does not
     * answer) before {@link #read}, {@link #write} and the rest give up with {@link StoreUnavailable}.
     */
    private static HikariConfig base(String name, int size, java.time.Duration wait, MeterRegistry registry) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(Math.min(size, 2));
        config.setConnectionTimeout(wait.toMillis());
        config.setInitializationFailTimeout(10_000);
        if (registry != null) {
            config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
        }
        return config;
    }

    /**
     * {@code busyTimeout}: how long a statement waits for a lock another process holds (the write lock, taken at
     * {@code BEGIN IMMEDIATE}) before it fails with {@code SQLITE_BUSY}. In this process the store has one writer, so
     * only another process (the admin CLI, a migration) can hold it: the store's connections wait as long as for a
     * connection ({@code MSGBUBBLES_DATABASE_WAIT_MS}), then the work fails as {@link StoreUnavailable}.
     */
    private static SQLiteDataSource sqlite(String url, String synchronous, boolean readOnly,
                                           java.time.Duration busyTimeout) {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(Math.toIntExact(busyTimeout.toMillis()));
        config.enforceForeignKeys(true);
        config.setSynchronous(SQLiteConfig.SynchronousMode.valueOf(synchronous));
        config.setGetGeneratedKeys(false); // nothing reads them; otherwise every INSERT runs a second query
        // multi-row statements keep a statement journal (to undo just that statement); past 64 KiB SQLite spills it to
        // a temporary file, written page by page: keep it, and every other temporary, in memory
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        if (readOnly) {
            config.setReadOnly(true);
        } else {
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        }
        SQLiteDataSource source = new SQLiteDataSource(config);
        source.setUrl(url);
        return source;
    }

    private static void createParentDirectory(String sqliteUrl) {
        String path = sqliteUrl.substring("jdbc:sqlite:".length());
        if (path.startsWith(":memory:") || path.startsWith("file:")) {
            return;
        }
        Path parent = Path.of(path).toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + parent + " (" + e + ")", e);
        }
    }

    private static Jdbi configure(Jdbi jdbi, Dialect dialect) {
        // A failed statement's message names its SQL, never what was bound to it (message texts, handles, key hashes):
        // it is logged with a 500 or a failing job, and the logs carry no key or message body. JDBI's default
        // rendering lists the arguments; PostgreSQL's own detail is held back where the pool is made.
        jdbi.getConfig(StatementExceptions.class).setMessageRendering(Database::withoutArguments);
        if (dialect == Dialect.SQLITE) {
            jdbi.registerArgument(new UuidAsText());
            jdbi.registerColumnMapper(UUID.class, (rs, column, ctx) -> {
                String text = rs.getString(column);
                return text == null ? null : UUID.fromString(text);
            });
        } else {
            jdbi.registerArgument(new UuidAsObject());
            jdbi.registerColumnMapper(UUID.class, (rs, column, ctx) -> rs.getObject(column, UUID.class));
        }
        return jdbi;
    }

    /** A statement failure's message: the failure and its SQL, shortened, without the statement's arguments. */
    private static String withoutArguments(StatementException e) {
        org.jdbi.v3.core.statement.StatementContext ctx = e.getStatementContext();
        String sql = ctx == null ? null : ctx.getRenderedSql() != null ? ctx.getRenderedSql() : ctx.getRawSql();
        if (sql == null) {
            return e.getShortMessage();
        }
        String shortened = sql.length() > 300 ? sql.substring(0, 300) + "…" : sql;
        return e.getShortMessage() + " [statement: \"" + shortened + "\"]";
    }

    /** PostgreSQL's uuid type; a null must be typed OTHER too, or the server sees a varchar and refuses it. */
    private static final class UuidAsObject extends AbstractArgumentFactory<UUID> {
        UuidAsObject() {
            super(Types.OTHER);
        }

        @Override
        protected Argument build(UUID value, ConfigRegistry config) {
            return (position, statement, ctx) -> statement.setObject(position, value);
        }
    }

    /** SQLite has no UUID type: store the canonical 36-character text form. */
    private static final class UuidAsText extends AbstractArgumentFactory<UUID> {
        UuidAsText() {
            super(Types.VARCHAR);
        }

        @Override
        protected Argument build(UUID value, ConfigRegistry config) {
            return (position, statement, ctx) -> statement.setString(position, value.toString());
        }
    }
}
