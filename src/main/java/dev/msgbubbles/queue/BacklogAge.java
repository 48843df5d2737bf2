package dev.msgbubbles.queue;

import dev.msgbubbles.db.Database;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jdbi.v3.core.Handle;

/**
 * The backlog age gauges of the job queues ({@code msgbubbles_queue_backlog_age_seconds},
 * {@code msgbubbles_webhook_backlog_age_seconds}): how long the oldest due job of each has waited, read from the
 * store when {@code /metrics} is scraped.
 *
 * <p>A scrape waits at most {@link #PATIENCE} for the read: while the database does not answer, a read waits for a
 * connection for up to {@code MSGBUBBLES_DATABASE_WAIT_MS} (5 s), and the scrape waited with it, so a scrape during an
 * outage (when its other series matter most) took that long and one with a shorter timeout got nothing. Past the
 * patience a value is NaN (unknown), and the read goes on by itself: one at a time, however often the scrape comes.
 *
 * <p>One read answers every gauge registered together, in one transaction: the first gauge a scrape asks for starts
 * it, the others take their value from it, so a scrape costs one connection and, during an outage, one patience, not
 * one per queue. A gauge whose value from the last read was taken already starts the next.
 */
public final class BacklogAge {
    /** How long a scrape waits for the read: far longer than a read takes, far shorter than a scrape timeout. */
    public static final Duration PATIENCE = Duration.ofSeconds(1);

    /** When the oldest due job of a queue became due, read in {@code h} at {@code now}; empty when none is due. */
    @FunctionalInterface
    public interface Due {
        Optional<Instant> read(Handle h, Instant now);
    }

    /** A gauge: its name (Micrometer's, dotted; the unit seconds is added), description, and what it reads. */
    public record Series(String name, String description, Due due) {
    }

    /** A read of every series, under way or done; which series took their value from it (guarded by the owner). */
    private static final class Reading {
        final CompletableFuture<double[]> values = new CompletableFuture<>();
        final long deadline;
        final boolean[] taken;

        Reading(long deadline, int series) {
            this.deadline = deadline;
            this.taken = new boolean[series];
        }
    }

    private final Database db;
    private final Clock clock;
    private final Duration patience;
    private final List<Due> dues;
    private Reading reading;

    BacklogAge(Database db, Clock clock, Duration patience, List<Due> dues) {
        this.db = db;
        this.clock = clock;
        this.patience = patience;
        this.dues = List.copyOf(dues);
    }

    /** Registers the gauges of {@code series}, read together with {@link #PATIENCE}. */
    public static void register(MeterRegistry registry, Database db, Clock clock, List<Series> series) {
        BacklogAge ages = new BacklogAge(db, clock, PATIENCE, series.stream().map(Series::due).toList());
        for (int i = 0; i < series.size(); i++) {
            int index = i;
            Gauge.builder(series.get(i).name(), () -> ages.seconds(index)).description(series.get(i).description())
                    .baseUnit("seconds").register(registry);
        }
    }

    /**
     * Seconds the oldest due job of series {@code index} has waited (0 when none is due), or NaN when the database
     * did not say in time. A read still under way is waited for until its own deadline only (its start plus the
     * patience), so the gauges of one scrape wait one patience in all.
     */
    double seconds(int index) {
        Reading read;
        synchronized (this) {
            if (reading == null || (reading.values.isDone() && reading.taken[index])) {
                reading = start();
            }
            read = reading;
            read.taken[index] = true;
        }
        try {
            return read.values.get(Math.max(0, read.deadline - System.nanoTime()), TimeUnit.NANOSECONDS)[index];
        } catch (TimeoutException | ExecutionException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    private Reading start() {
        Reading started = new Reading(System.nanoTime() + patience.toNanos(), dues.size());
        Thread.ofVirtual().name("backlog-age").start(() -> {
            try {
                started.values.complete(db.read(this::read));
            } catch (RuntimeException e) {
                started.values.complete(nan());
            }
        });
        return started;
    }

    private double[] read(Handle h) {
        double[] seconds = new double[dues.size()];
        for (int i = 0; i < seconds.length; i++) {
            Instant now = clock.instant();
            seconds[i] = dues.get(i).read(h, now)
                    .map(due -> Math.max(0, Duration.between(due, now).toMillis()) / 1000.0)
                    .orElse(0.0);
        }
        return seconds;
    }

    private double[] nan() {
        double[] unknown = new double[dues.size()];
        java.util.Arrays.fill(unknown, Double.NaN);
        return unknown;
    }
}
