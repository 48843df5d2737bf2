package dev.msgbubbles.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQLite: copies the write-ahead log back into the database file ahead of the writer, from a connection of its own,
 * so that the checkpoint the writer runs after a commit (SQLite's automatic one, every 1,000 pages of log) finds most
 * pages already copied and synced, and holds up the next commit for less.
 *
 * <p>It only helps; the writer's own checkpoints are what keep the log bounded. A {@code PASSIVE} checkpoint never
 * waits for the writer or for readers and copies what it can; beside a writer that never pauses it can never finish
 * the log by itself, so the log would grow without end if it were the only one (measured: 3 GB in one benchmark
 * run, in an earlier design that switched the writer's off). The writer's checkpoint, run right after its commit,
 * copies what is left and lets the next transaction start the log again from its beginning. When both want to
 * checkpoint at once, the writer's returns at once (busy) and it tries again after its next commit.
 */
final class Checkpointer implements Database.Background {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);

    /** The longest pause between two checkpoints while the log stays copied (an idle store). */
    static final Duration IDLE = Duration.ofMillis(200);

    private final DataSource source;
    private final Duration every;
    private volatile boolean running = true;
    private final Thread thread;

    Checkpointer(DataSource source, Duration every) {
        this.source = source;
        this.every = every;
        this.thread = Thread.ofPlatform().daemon().name("sqlite-checkpointer").start(this::loop);
    }

    private void loop() {
        while (running) {
            try (Connection connection = source.getConnection(); Statement statement = connection.createStatement()) {
                long pause = every.toNanos();
                long lastLog = -1;
                while (running) {
                    boolean idle;
                    try (ResultSet result = statement.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
                        // one row: busy, pages in the log, pages of the log now in the database file
                        boolean row = result.next();
                        long log = row ? result.getLong(2) : -1;
                        idle = row && log == lastLog && log == result.getLong(3);
                        lastLog = log;
                    }
                    // an idle store (nothing written since the last look, all of it copied): look less often, up to
                    // IDLE; as soon as the log has moved, every `every` again
                    pause = idle ? Math.min(pause * 2, IDLE.toNanos()) : every.toNanos();
                    LockSupport.parkNanos(Math.max(pause, every.toNanos()));
                }
            } catch (SQLException | RuntimeException e) {
                if (running && Database.outage(e)) {
                    // the store cannot write (a full disk, say): one line, no stack trace
                    LOG.warn("background checkpoint failed: {}; the writer's own checkpoints go on, trying again",
                            e.getMessage());
                } else if (running) {
                    LOG.warn("background checkpoint failed; the writer's own checkpoints go on, trying again", e);
                }
                if (running) {
                    LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
                }
            }
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
    }
}
