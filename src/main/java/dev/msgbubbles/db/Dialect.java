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

    /**
     * The row-lock suffix for reading a row that the transaction then writes back whole (read, change, write).
     * PostgreSQL runs READ COMMITTED, where two such transactions both read the old row and the later write undoes
     * the earlier; {@code FOR UPDATE} makes the second wait and read the first's result. SQLite's write transactions
     * are serialised already ({@code BEGIN IMMEDIATE}).
     */
    public String forUpdate() {
        return this == POSTGRESQL ? " FOR UPDATE" : "";
    }

    /**
     * {@code column} among the keys {@code subquery} selects, for an UPDATE that changes the rows a subquery picked.
     * PostgreSQL gets {@code column = ANY(ARRAY(subquery))}: the keys become one value and the rows are fetched through
     * the primary key. With {@code IN (subquery)} its cached plan hashed the keys and scanned the whole table for them
     * (a job claim took 2.7 ms against 0.4 ms on a table with a backlog of 20,000 jobs). SQLite looks each key up
     * through the primary key either way.
     */
    public String keyIn(String column, String subquery) {
        return this == POSTGRESQL ? column + " = ANY(ARRAY(" + subquery + "))" : column + " IN (" + subquery + ")";
    }
}
