/**
 * The one {@code Database}: connection pools, JDBI, the SQL dialect and Flyway migrations (one folder per
 * dialect under {@code db/migration}); {@code Sql} for plain JDBC statements on the hot path (prepared once per
 * SQLite connection); {@code GroupCommit}, which commits concurrent writes together; and transactions' last
 * steps ({@code Database.lastStep}), among them rows written together at the end ({@code LastWrites}); and
 * {@code SchemaWatch}, which stops a server whose database a newer version has migrated; and on SQLite the
 * {@code Checkpointer}, which copies the log into the database file ahead of the writer, and the store's side file
 * ({@code Database.sideWrite}: derived data written on a connection of its own, off the single writer, and attached
 * read-only to the store's connections); {@code StoreUnavailable}, what work fails with when the store could not take
 * it (unreachable, a broken connection, a full disk), so that callers can tell an outage from a fault. Feature packages keep their
 * own SQL next to their mappers and reach the database only through this package. Imports {@code config} and
 * {@code common}.
 */
package dev.msgbubbles.db;
