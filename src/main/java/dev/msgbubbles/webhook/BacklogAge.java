package dev.msgbubbles.webhook;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.queue.JobQueue;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The value of {@code msgbubbles_webhook_backlog_age_seconds}: how long the oldest due delivery attempt has waited,
 * read from the queue when {@code /metrics} is scraped. The read waits at most {@link #PATIENCE}: while the database
 * does not answer, a read waits for a connection for up to {@code MSGBUBBLES_DATABASE_WAIT_MS} (5 s), and the scrape
 * waited with it, so a scrape during an outage (when its other series matter most) took that long and one with a
 * shorter timeout got nothing. Past the patience the value is NaN (unknown), and the read goes on by itself: one at a
 * time, however often the scrape comes.
 */
final class BacklogAge {
    /** How long a scrape waits for the read: far longer than a read takes, far shorter than a scrape timeout. */
    static final Duration PATIENCE = Duration.ofSeconds(1);

    private final Database db;
    private final JobQueue queue;
    private final Clock clock;
    private final Duration patience;
    private CompletableFuture<Double> reading;

    BacklogAge(Database db, JobQueue queue, Clock clock, Duration patience) {
        this.db = db;
        this.queue = queue;
        this.clock = clock;
        this.patience = patience;
    }

    /** Seconds the oldest due attempt has waited (0 when none is due), or NaN when the database did not say in time. */
    double seconds() {
        CompletableFuture<Double> read;
        synchronized (this) {
            if (reading == null || reading.isDone()) {
                reading = new CompletableFuture<>();
                CompletableFuture<Double> started = reading;
                Thread.ofVirtual().name("backlog-age").start(() -> {
                    try {
                        started.complete(read());
                    } catch (RuntimeException e) {
                        started.complete(Double.NaN);
                    }
                });
            }
            read = reading;
        }
        try {
            return read.get(patience.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    private double read() {
        return db.read(queue::nextDue)
                .map(due -> Math.max(0, Duration.between(due, clock.instant()).toMillis()) / 1000.0)
                .orElse(0.0);
    }
}
