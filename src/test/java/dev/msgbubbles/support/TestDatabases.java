package dev.msgbubbles.support;

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
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Databases for tests. PostgreSQL: the server on 127.0.0.1:5432 when it answers (trust auth, user
 * {@code postgres}), otherwise one embedded server (zonky) started once per test JVM. Each caller gets its own
 * freshly created, uniquely named database and drops it on close, so test classes never share state.
 */
public final class TestDatabases {
    private static final Object LOCK = new Object();
    private static String adminBase;
    private static EmbeddedPostgres embedded;

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

    public static Postgres createPostgres(String label) {
        String base = adminBase();
        String name = "mbtest_" + label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_")
                + "_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        String adminJdbc = "jdbc:postgresql://" + base + "/postgres";
        try (Connection c = DriverManager.getConnection(adminJdbc, "postgres", null);
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + " on " + base, e);
        }
        return new Postgres(name, "postgresql://postgres@" + base + "/" + name, adminJdbc);
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
