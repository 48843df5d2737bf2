package dev.msgbubbles.message;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Sql;
import dev.msgbubbles.db.Writes;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.function.BiConsumer;
import org.jdbi.v3.core.Handle;

/**
 * A sending number's pace: {@code perMinute} sends a minute, evenly spaced (no burst). The first send goes at once,
 * each later one waits for the slot after the previous. The slots are rows of {@code number_pacing} (one per number,
 * by handle), so the pace holds for all the processes sharing the database together, not for each (three processes
 * each pacing alone sent a number's messages at three times its pace, which is what gets a number flagged as spam).
 *
 * <p>Taking a slot is one statement, an update that moves the number's next free slot on to {@code now + interval}
 * only if it has come, committed before the send. It runs in the group commit, so a burst's many attempts (every
 * waiting job of the number comes back when the slot is free, and all but one find it taken again) cost shared
 * commits, as their reschedules did before. On PostgreSQL it never waits for the row: a row another transaction holds
 * is being taken, and is skipped as taken ({@code SKIP LOCKED}); waiting could deadlock, since a group-commit
 * transaction may hold several numbers' rows, and another process's may hold them in the other order. SQLite has one
 * writer. Only a number's first slot, which creates its row, takes a transaction of its own.
 *
 * <p>Times are the callers' clocks, not the database's: processes on several machines space a number's sends as
 * their clocks agree (NTP keeps that to milliseconds). A pace of 0 is unpaced: such numbers never touch the table
 * ({@link #paced()}).
 */
final class NumberPacing {
    /** The number's slot, if free and not being taken elsewhere: moved on and returned; otherwise no row. */
    private static final String TAKE = """
            UPDATE number_pacing SET next_free_ns = ?
            WHERE handle = (SELECT handle FROM number_pacing WHERE handle = ? AND next_free_ns <= ?%s)
            RETURNING next_free_ns""";
    /** A slot more than one interval ahead, pulled in to one interval from now (see {@link #attempt}). */
    private static final String PULL_IN = """
            UPDATE number_pacing SET next_free_ns = ?
            WHERE handle = (SELECT handle FROM number_pacing WHERE handle = ? AND next_free_ns > ?%s)""";
    private static final String NEXT_FREE = "SELECT next_free_ns FROM number_pacing WHERE handle = ?";
    /** A number's first slot: its row, created taken; no row if another process created it first. */
    private static final String FIRST = """
            INSERT INTO number_pacing (handle, next_free_ns) VALUES (?, ?)
            ON CONFLICT (handle) DO NOTHING
            RETURNING next_free_ns""";

    /** What one attempt found: the slot taken for this send, busy for {@code until} more, or no row for the number. */
    private sealed interface Attempt {
        record Taken() implements Attempt {
        }

        record Busy(Duration until) implements Attempt {
        }

        record NoRow() implements Attempt {
        }
    }

    private final Database db;
    private final Writes writes;
    private final String take;
    private final String pullIn;
    /**
     * In nanoseconds: in whole milliseconds, 60,000 / perMinute was rounded down, so every rate that does not divide a
     * minute into whole milliseconds ran fast (45,000 a minute went out at 60,000, 25,000 at 30,000).
     */
    private final long intervalNanos;

    /** {@code perMinute} of 0 means unpaced; {@code writes} takes the slots (group commit in the server). */
    NumberPacing(Database db, Writes writes, int perMinute) {
        this.db = db;
        this.writes = writes;
        this.take = TAKE.formatted(db.dialect().skipLocked());
        this.pullIn = PULL_IN.formatted(db.dialect().skipLocked());
        this.intervalNanos = perMinute <= 0 ? 0 : Math.max(1, Duration.ofMinutes(1).toNanos() / perMinute);
    }

    /** Whether numbers are paced at all; when not, {@link #take} need not (and should not) be called. */
    boolean paced() {
        return intervalNanos > 0;
    }

    /**
     * Takes the slot of number {@code handle} at {@code now} and returns {@link Duration#ZERO} once that is committed;
     * or returns how long until it is free (at most one interval), having run {@code whileWaiting} with that wait in
     * the transaction that found it taken (for the job's reschedule). Unpaced, {@link Duration#ZERO} with nothing
     * written.
     */
    Duration take(String handle, Instant now, BiConsumer<Handle, Duration> whileWaiting) {
        if (intervalNanos == 0) {
            return Duration.ZERO;
        }
        long at = nanos(now);
        for (int round = 0; round < 2; round++) {
            Attempt attempt = writes.write(handle, tx -> {
                Attempt found = attempt(tx, handle, at);
                if (found instanceof Attempt.Busy busy) {
                    whileWaiting.accept(tx, busy.until());
                }
                return found;
            });
            switch (attempt) {
                case Attempt.Taken taken -> {
                    return Duration.ZERO;
                }
                case Attempt.Busy busy -> {
                    return busy.until();
                }
                case Attempt.NoRow none -> {
                    // alone in its transaction: an insert waits for another's of the same row, never while holding more
                    if (db.write(tx -> !Sql.list(tx, FIRST, row -> 1, handle, at + intervalNanos).isEmpty())) {
                        return Duration.ZERO;
                    }
                    // another process created the row first: the next round finds it
                }
            }
        }
        throw new IllegalStateException("the pacing row of " + handle + " vanished");
    }

    private Attempt attempt(Handle tx, String handle, long at) {
        long next = at + intervalNanos;
        if (!Sql.list(tx, take, row -> 1, next, handle, at).isEmpty()) {
            return new Attempt.Taken();
        }
        var free = Sql.one(tx, NEXT_FREE, row -> row.longValue("next_free_ns"), handle);
        if (free.isEmpty()) {
            return new Attempt.NoRow();
        }
        if (free.get() <= at) {
            // free, but another transaction holds the row: it is taking the slot, which will end about now + interval
            return new Attempt.Busy(Duration.ofNanos(intervalNanos));
        }
        if (free.get() > next) {
            // a slot is taken at most one interval ahead of the clock: further ahead, the wall clock stepped back
            // (an NTP correction, a resumed VM) since it was taken, or another machine's clock is ahead of this one's,
            // and the number would sit out the whole step. The slot is pulled in to one interval from now.
            Sql.update(tx, pullIn, next, handle, next);
            return new Attempt.Busy(Duration.ofNanos(intervalNanos));
        }
        return new Attempt.Busy(Duration.ofNanos(free.get() - at));
    }

    /**
     * When a job that found the slot taken {@code wait} after {@code now} comes back: when it is free, rounded up to the
     * queue's milliseconds (rounded down, the job would come back just before its slot, find it taken, and go round
     * again until the clock passed it).
     */
    static Instant due(Instant now, Duration wait) {
        Instant free = now.plus(wait);
        Instant millis = free.truncatedTo(ChronoUnit.MILLIS);
        return millis.equals(free) ? free : millis.plusMillis(1);
    }

    /** {@code instant} in nanoseconds since the epoch (a long holds those until the year 2262). */
    private static long nanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }
}
