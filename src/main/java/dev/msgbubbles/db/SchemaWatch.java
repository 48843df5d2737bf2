package dev.msgbubbles.db;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks every {@code every} whether a newer version has migrated the store under this process, and if so runs
 * {@code onNewer} once (the server stops: its code may no longer fit the schema, and a process of the old version
 * that kept claiming jobs would write what the new one misreads). A store that does not answer is not a reason:
 * the check just tries again. {@link #check} is one look, for tests.
 */
public final class SchemaWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaWatch.class);
    private final Database db;
    private final Duration every;
    private final Runnable onNewer;
    private volatile boolean running;
    private volatile boolean fired;
    private Thread thread;

    public SchemaWatch(Database db, Duration every, Runnable onNewer) {
        this.db = db;
        this.every = every;
        this.onNewer = onNewer;
    }

    /** Starts looking in the background, on a virtual thread. */
    public void start() {
        running = true;
        thread = Thread.ofVirtual().name("schema-watch").start(() -> {
            while (running && !fired) {
                LockSupport.parkNanos(every.toNanos());
                if (running) {
                    check();
                }
            }
        });
    }

    /** One look; returns whether a newer version's migration was seen (then {@code onNewer} has run, once). */
    public boolean check() {
        if (fired || !db.migratedByNewerVersion()) {
            return fired;
        }
        fired = true;
        LOG.error("a newer version of msgbubbles has migrated the database; this process stops (its code may not fit "
                + "the schema any more): run the newer version");
        onNewer.run();
        return true;
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }
}
