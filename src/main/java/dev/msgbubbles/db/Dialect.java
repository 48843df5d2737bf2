package dev.msgbubbles.db;

/**
 * The SQL differences between the two supported stores, kept in one place. Everything else (upserts
 * with {@code ON CONFLICT}, {@code RETURNING}, partial indexes) is written once and runs on both.
 */
public enum Dialect {
    SQLITE("db/migration/sqlite"),
    POSTGRESQL("db/migration/postgresql");

    private final String migrations;

    Dialect(String migrations) {
        this.migrations = migrations;
    }

    public String migrationLocation() {
        return "classpath:" + migrations;
    }

    /**
     * The row-lock suffix for claiming queue rows. PostgreSQL needs {@code FOR UPDATE SKIP LOCKED} so that
     * concurrent workers never claim one row twice; SQLite serialises all writers, so it needs none.
     */
    public String skipLocked() {
        return this == POSTGRESQL ? " FOR UPDATE SKIP LOCKED" : "";
    }
}
