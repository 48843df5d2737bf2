package dev.msgbubbles.db;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Housekeeping that runs {@code task} every {@code every} on a virtual thread of its own, first after one interval,
 * until closed (the queue's vacuums, the analyzing of grown tables). A run that throws is logged and the next one
 * runs on time: such work only ever makes the store faster, never more correct.
 */
public final class Periodic implements Database.Background {
    private static final Logger LOG = LoggerFactory.getLogger(Periodic.class);
    private final Thread loop;

    private Periodic(String name, Duration every, Runnable task) {
        this.loop = Thread.ofVirtual().name(name).start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(every);
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    task.run();
                } catch (StoreUnavailable e) {
                    // an outage, not a bug: one line, no stack trace (it was a full trace every run, every 5 s for
                    // the analyzer, for as long as the database was down)
                    LOG.warn("{}: {}; running again in {}", name, e.getMessage(), every);
                } catch (RuntimeException e) {
                    LOG.warn("{} failed; running again in {}", name, every, e);
                }
            }
        });
    }

    /** Starts running {@code task} every {@code every}; the thread is named {@code name} (also in logs). */
    public static Periodic every(String name, Duration every, Runnable task) {
        return new Periodic(name, every, task);
    }

    /** Stops after the run under way, if any (waiting up to 10 s for it). */
    @Override
    public void close() {
        loop.interrupt();
        try {
            loop.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
