package dev.msgbubbles.db;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies SQLite's write-ahead log back into the database file from a connection of its own, so that the one
 * writer never does it. SQLite's automatic checkpoint runs inside the committing connection and waits for disk
 * writeback (measured: the writer spent about a sixth of its time there); the writer's automatic checkpoint is
 * switched off and this thread runs a {@code PASSIVE} checkpoint every {@link #INTERVAL_MILLIS} ms instead, which
 * never blocks the writer or readers. If it falls behind, the log only grows; nothing is lost either way.
 * On close it runs a last {@code TRUNCATE} checkpoint so that a stopped server leaves a small log behind.
 */
final class Checkpointer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
    static final long INTERVAL_MILLIS = 200;

    private final Connection connection;
    private final Thread thread;
    private volatile boolean running = true;

    Checkpointer(DataSource source) {
        try {
            this.connection = source.getConnection();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the SQLite checkpoint connection", e);
        }
        this.thread = Thread.ofPlatform().daemon().name("sqlite-checkpointer").start(this::loop);
    }

    private void loop() {
        while (running) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(INTERVAL_MILLIS));
            if (running) {
                checkpoint("PASSIVE");
            }
        }
    }

    private void checkpoint(String mode) {
        try (Statement statement = connection.createStatement()) {
            statement.execute("PRAGMA wal_checkpoint(" + mode + ")");
        } catch (SQLException e) {
            LOG.warn("SQLite {} checkpoint failed; the next one catches up", mode, e);
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        checkpoint("TRUNCATE");
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.warn("closing the SQLite checkpoint connection failed", e);
        }
    }
}
