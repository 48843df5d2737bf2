package dev.msgbubbles.support;

import dev.msgbubbles.config.Config;
import dev.msgbubbles.config.ConfigLoader;
import dev.msgbubbles.db.Database;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One store for one test class: SQLite in a temporary directory or a fresh PostgreSQL database, with the current
 * schema (or empty, for the tests of migrating). Contract tests are written once against this and run by one subclass
 * per store.
 */
public abstract class TestStore implements AutoCloseable {

    /** Environment-style configuration that selects this store (plus the data directory). */
    public abstract Map<String, String> environment();

    public abstract String label();

    /** Removes the store's files or database. */
    @Override
    public abstract void close();

    public Config config(Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(environment());
        env.put("MSGBUBBLES_PORT", "0");
        env.putAll(overrides);
        return ConfigLoader.load(env);
    }

    public Database open() {
        return Database.open(config(Map.of()).storage(), null);
    }

    /** PostgreSQL only: the database takes no new connection and ends every open one (an outage). */
    public void refuseConnections() {
        throw new UnsupportedOperationException(label() + " cannot refuse connections");
    }

    /** PostgreSQL only: ends {@link #refuseConnections}. */
    public void allowConnections() {
        throw new UnsupportedOperationException(label() + " cannot refuse connections");
    }

    /** A SQLite store with the current schema. */
    public static TestStore sqlite() {
        return sqliteIn(TestDatabases.migratedSqliteDirectory());
    }

    /** A SQLite store with nothing in it yet: for the tests of migrating. */
    public static TestStore emptySqlite() {
        return sqliteIn(TestDatabases.sqliteDirectory());
    }

    private static TestStore sqliteIn(Path dir) {
        return new TestStore() {
            @Override
            public Map<String, String> environment() {
                return Map.of("MSGBUBBLES_DATA_DIR", dir.toString());
            }

            @Override
            public String label() {
                return "sqlite";
            }

            @Override
            public void close() {
                TestDatabases.deleteTree(dir);
            }
        };
    }

    /** A new PostgreSQL database with the current schema. */
    public static TestStore postgres(String label) {
        return postgresIn(TestDatabases.createPostgres(label));
    }

    /** A new PostgreSQL database with nothing in it yet: for the tests of migrating. */
    public static TestStore emptyPostgres(String label) {
        return postgresIn(TestDatabases.createEmptyPostgres(label));
    }

    private static TestStore postgresIn(TestDatabases.Postgres pg) {
        Path dir = TestDatabases.sqliteDirectory();
        return new TestStore() {
            @Override
            public Map<String, String> environment() {
                return Map.of("MSGBUBBLES_DATA_DIR", dir.toString(), "MSGBUBBLES_DATABASE_URL", pg.url());
            }

            @Override
            public String label() {
                return "postgresql";
            }

            @Override
            public void refuseConnections() {
                pg.refuseConnections();
            }

            @Override
            public void allowConnections() {
                pg.allowConnections();
            }

            @Override
            public void close() {
                pg.close();
                TestDatabases.deleteTree(dir); // the server's files beside the database (attachments' blobs)
            }
        };
    }
}
