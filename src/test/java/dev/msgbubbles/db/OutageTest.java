package dev.msgbubbles.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** Which failures are the store's trouble (answered 503 unavailable) rather than a fault of the work (500). */
class OutageTest {
    @Test
    void postgresql_connection_and_resource_states_anywhere_in_the_causes_count() {
        assertThat(Database.outage(new SQLException("I/O error", "08006"))).isTrue();
        assertThat(Database.outage(new IllegalStateException(new RuntimeException(
                new SQLException("terminating connection due to administrator command", "57P01"))))).isTrue();
        assertThat(Database.outage(new SQLException("the database system is starting up", "57P03"))).isTrue();
        assertThat(Database.outage(new SQLException("could not extend file: No space left on device", "53100"))).isTrue();

        assertThat(Database.outage(new SQLException("duplicate key", "23505"))).isFalse();
        assertThat(Database.outage(new SQLException("canceling statement due to statement timeout", "57014"))).isFalse();
        assertThat(Database.outage(new SQLException("no state"))).isFalse();
        assertThat(Database.outage(new IllegalArgumentException("not SQL at all"))).isFalse();
    }

    @Test
    void sqlite_full_disk_and_io_errors_count_and_its_other_errors_do_not() {
        assertThat(Database.outage(new SQLiteException("database or disk is full", SQLiteErrorCode.SQLITE_FULL))).isTrue();
        assertThat(Database.outage(new RuntimeException(
                new SQLiteException("disk I/O error", SQLiteErrorCode.SQLITE_IOERR_WRITE)))).isTrue();

        assertThat(Database.outage(new SQLiteException("UNIQUE constraint failed", SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE)))
                .isFalse();
        assertThat(Database.outage(new SQLiteException("no such table", SQLiteErrorCode.SQLITE_ERROR))).isFalse();
    }

    @Test
    void only_a_sqlite_commit_that_ran_out_of_disk_certainly_did_not_take_effect() {
        // as JDBI reports a COMMIT that failed: its own exception, the driver's as the cause
        assertThat(Database.neverCommitted(new org.jdbi.v3.core.transaction.TransactionException(
                "Failed to commit transaction",
                new SQLiteException("database or disk is full", SQLiteErrorCode.SQLITE_FULL)))).isTrue();

        // a log that took the commit frame and then failed to sync may hold the commit after a restart
        assertThat(Database.neverCommitted(new org.jdbi.v3.core.transaction.TransactionException(
                "Failed to commit transaction",
                new SQLiteException("disk I/O error", SQLiteErrorCode.SQLITE_IOERR_FSYNC)))).isFalse();
        // a PostgreSQL COMMIT whose connection broke, or that the server refused for want of space: unknown
        assertThat(Database.neverCommitted(new org.jdbi.v3.core.transaction.TransactionException(
                "Failed to commit transaction", new SQLException("I/O error", "08006")))).isFalse();
        assertThat(Database.neverCommitted(new SQLException("could not write: No space left on device", "53100")))
                .isFalse();
    }
}
