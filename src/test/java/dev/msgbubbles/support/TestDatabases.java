package dev.msgbubbles.support;

import dev.msgbubbles.config.ConfigLoader;
import dev.msgbubbles.db.Database;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Databases for tests. PostgreSQL: the server on 127.0.0.1:5432 when it answers (trust auth, user
 * {@code postgres}), otherwise one embedded server (zonky) started once per test JVM. Each caller gets its own
 * freshly created, uniquely named database and drops it on close, so test classes never share state.
 *
 * <p>Migrating a new database took most of a store test's setup (about 0.4 s of 0.55 s on PostgreSQL, 0.1 s on
 * SQLite, for each of several hundred stores a run). So a test JVM migrates one template of each store once, with
 * the server's own {@code Database.open}, and hands out copies: {@code CREATE DATABASE … TEMPLATE} on PostgreSQL, a
 * copy of the files on SQLite. Opening a copy still runs Flyway, which finds it up to date. The tests of migrating
 * itself take an empty store ({@code empty} methods).
 */
public final class TestDatabases {
    private static final Object LOCK = new Object();
    private static String adminBase;
    private static EmbeddedPostgres embedded;
    private static String postgresTemplate;
    private static Path sqliteTemplate;

    private TestDatabases() {
    }

    /** A database created for one test class. {@code url} is a {@code MSGBUBBLES_DATABASE_URL} value. */
    public record Postgres(String name, String url, String adminJdbc) implements AutoCloseable {
        /**
         * An outage as a server sees it: the database takes no new connection and every open one is ended. A
         * connection that was starting up when connections were refused (past the check, not yet listed in
         * {@code pg_stat_activity}: a pool refilling after the first ends, on a loaded machine) would outlive a single
         * round of ending them and keep serving through the "outage"; so the rounds go on until two in a row, 50 ms
         * apart, find none left.
         */
        public void refuseConnections() {
            admin("ALTER DATABASE " + name + " WITH ALLOW_CONNECTIONS false");
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            int emptyRounds = 0;
            while (emptyRounds < 2) {
                emptyRounds = endConnections() == 0 ? emptyRounds + 1 : 0;
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("connections to " + name + " keep appearing after 10 s");
                }
                try {
                    Thread.sleep(50); // polling the server's list of sessions, not waiting for a retry
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }

        /** Ends every session on this database; how many there were. */
        private int endConnections() {
            try (Connection c = DriverManager.getConnection(adminJdbc, "postgres", null);
                 Statement s = c.createStatement();
                 var rows = s.executeQuery("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                         + "WHERE datname = '" + name + "' AND pid <> pg_backend_pid()")) {
                rows.next();
                return rows.getInt(1);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot end the sessions of test database " + name, e);
            }
        }

        /** Ends {@link #refuseConnections}. */
        public void allowConnections() {
            admin("ALTER DATABASE " + name + " WITH ALLOW_CONNECTIONS true");
        }

        private void admin(String... statements) {
            try (Connection c = DriverManager.getConnection(adminJdbc, "postgres", null);
                 Statement s = c.createStatement()) {
                for (String statement : statements) {
                    s.execute(statement);
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot change test database " + name, e);
            }
        }

        @Override
        public void close() {
            try (Connection c = DriverManager.getConnection(adminJdbc, "postgres", null);
                 Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (SQLException e) {
                throw new IllegalStateException("cannot drop test database " + name, e);
            }
        }
    }

    /** A new database with the current schema (a copy of this JVM's migrated template). */
    public static Postgres createPostgres(String label) {
        return createPostgres(label, postgresTemplate());
    }

    /** A new database with nothing in it: for the tests of migrating. */
    public static Postgres createEmptyPostgres(String label) {
        return createPostgres(label, null);
    }

    private static Postgres createPostgres(String label, String template) {
        String base = adminBase();
        String name = "mbtest_" + label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_")
                + "_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        String adminJdbc = "jdbc:postgresql://" + base + "/postgres";
        try (Connection c = DriverManager.getConnection(adminJdbc, "postgres", null);
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + (template == null ? "" : " TEMPLATE " + template));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + " on " + base, e);
        }
        return new Postgres(name, "postgresql://postgres@" + base + "/" + name, adminJdbc);
    }

    /**
     * This JVM's migrated PostgreSQL template, made on first use and dropped when the JVM exits. Its name holds the
     * time it was made ({@code mbtest_tpl_<epoch seconds>_<random>}), so that templates a killed JVM left behind are
     * dropped by a later run once they are a day old (a run still using its own is never that old).
     */
    private static String postgresTemplate() {
        synchronized (LOCK) {
            if (postgresTemplate == null) {
                dropTemplatesOlderThan(java.time.Duration.ofDays(1));
                Postgres empty = createPostgres("tpl_" + java.time.Instant.now().getEpochSecond(), null);
                Path dataDir = sqliteDirectory();
                migrate(Map.of("MSGBUBBLES_DATABASE_URL", empty.url(), "MSGBUBBLES_DATA_DIR", dataDir.toString()));
                deleteTree(dataDir);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        empty.close();
                    } catch (RuntimeException e) {
                        // the JVM is exiting (an embedded server may be stopping beside this); a later run drops it
                    }
                }));
                postgresTemplate = empty.name();
            }
            return postgresTemplate;
        }
    }

    private static void dropTemplatesOlderThan(java.time.Duration age) {
        long before = java.time.Instant.now().minus(age).getEpochSecond();
        String adminJdbc = "jdbc:postgresql://" + adminBase() + "/postgres";
        try (Connection c = DriverManager.getConnection(adminJdbc, "postgres", null);
             Statement s = c.createStatement()) {
            List<String> old = new ArrayList<>();
            try (var rows = s.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE 'mbtest\\_tpl\\_%'")) {
                while (rows.next()) {
                    String name = rows.getString(1);
                    String[] parts = name.split("_");
                    if (parts.length == 4 && parts[2].chars().allMatch(Character::isDigit)
                            && Long.parseLong(parts[2]) < before) {
                        old.add(name);
                    }
                }
            }
            for (String name : old) {
                s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list old test templates", e);
        }
    }

    /**
     * A new directory holding a SQLite store with the current schema: a copy of the files of this JVM's migrated
     * template (made on first use, removed when the JVM exits).
     */
    public static Path migratedSqliteDirectory() {
        Path template;
        synchronized (LOCK) {
            if (sqliteTemplate == null) {
                Path dir = sqliteDirectory();
                migrate(Map.of("MSGBUBBLES_DATA_DIR", dir.toString()));
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
                sqliteTemplate = dir;
            }
            template = sqliteTemplate;
        }
        Path copy = sqliteDirectory();
        try (var files = Files.list(template)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(file)) {
                    Files.copy(file, copy.resolve(file.getFileName()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the SQLite test template " + template, e);
        }
        return copy;
    }

    /** Opens (and so migrates) the store that {@code environment} names, and closes it: nothing stays connected. */
    private static void migrate(Map<String, String> environment) {
        Map<String, String> env = new HashMap<>(environment);
        env.put("MSGBUBBLES_PORT", "0");
        Database.open(ConfigLoader.load(env).storage(), null).close();
    }

    static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temporary directory; best effort
        }
    }

    /** A fresh directory for one SQLite database (the caller's @TempDir is usually better). */
    public static Path sqliteDirectory() {
        try {
            return Files.createTempDirectory("mbtest-sqlite");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** host:port of a PostgreSQL that accepts user postgres without a password. */
    private static String adminBase() {
        synchronized (LOCK) {
            if (adminBase == null) {
                // -Dmsgbubbles.test.embedded-postgres=true exercises the fresh-machine path on a machine that has a server.
                boolean forceEmbedded = Boolean.getBoolean("msgbubbles.test.embedded-postgres");
                adminBase = !forceEmbedded && localServerAnswers() ? "127.0.0.1:5432" : startEmbedded();
                System.err.println("PostgreSQL for tests: " + adminBase + (embedded != null ? " (embedded)" : " (local server)"));
            }
            return adminBase;
        }
    }

    private static boolean localServerAnswers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", 5432), 500);
        } catch (IOException e) {
            return false;
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", null)) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private static String startEmbedded() {
        try {
            embedded = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    embedded.close();
                } catch (IOException ignored) {
                    // the JVM is exiting; the data directory is temporary
                }
            }));
            return "127.0.0.1:" + embedded.getPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no PostgreSQL on 127.0.0.1:5432 and the embedded one failed to start", e);
        }
    }
}
