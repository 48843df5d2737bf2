package dev.msgbubbles.message;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Sql;
import dev.msgbubbles.db.Writes;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.jdbi.v3.core.Handle;

/**
 * A sending number's pace: {@code perMinute} sends a minute, evenly spaced (no burst). The first send goes at once,
 * each later one in the slot after the previous. The slots are rows of {@code number_pacing} (one per number, by
 * handle), so the pace holds for all the processes sharing the database together, not for each (three processes each
 * pacing alone sent a number's messages at three times its pace, which is what gets a number flagged as spam).
 *
 * <p>A send that finds its number busy books the next free slot for itself: one statement moves the number's next
 * free slot on by an interval whether or not it has come, and returns the slot it moved past. A slot that has come is
 * taken, and the send goes at once; a slot ahead is booked, and the caller reschedules its job to it in the same
 * transaction, noting the {@link Booking} in the job, so that the job comes back once, at its slot, and sends then
 * without touching the table ({@link #take} with the booking). Before bookings, a busy number's waiting jobs all came
 * back at its next slot, one took it and the others went round again: N waiting sends cost N claims and N writes a
 * slot. A booking holds for as long as its slot lasts (one interval, at least {@link #LATE}), also for a job claimed
 * again meanwhile (its worker died, its lease ran out): it neither books a second slot nor loses its own. A booking
 * whose slot has passed (the server was down) books anew: otherwise a server down for ten minutes would send, at
 * start, every booking of those ten minutes at once. A booking made anew that way is honoured however late it comes
 * back, if its slot came while this process was up: late twice is then a queue running behind (its claims some seconds
 * after their time), not a downtime, and booking anew at every return would stop the number for as long as the queue
 * runs behind (each return finding its new slot gone too), its slots unused. Late by the same lag, the sends keep their
 * spacing. One whose slot came before this process started (the server down again since the booking) books anew once
 * more: honoured however late, a restart sent together every booking made anew whose slot passed while it was down.
 * A job that did not send in its slot (its message failed, was cancelled, the backend said to retry later) leaves the
 * slot unused, since the pace is a maximum; its caller drops the booking when it reschedules the job for another
 * reason, so that a retry books anew.
 *
 * <p>The statement runs in the group commit, so a burst's bookings share commits. On PostgreSQL it never waits for the
 * row: a row another transaction holds is skipped ({@code SKIP LOCKED}) and the send comes back shortly; waiting could
 * deadlock, since a group-commit transaction may hold several numbers' rows, and another process's may hold them in the
 * other order. SQLite has one writer. Only a number's first slot, which creates its row, takes a transaction of its
 * own.
 *
 * <p>Times are the callers' clocks, not the database's: processes on several machines space a number's sends as their
 * clocks agree (NTP keeps that to milliseconds). With bookings the next free slot may rightly be far ahead, so a wall
 * clock stepped back is told by the row's {@code taken_ns}, the clock reading of its latest take or booking: a reading
 * behind it. If that take booked nothing ahead (its own slot was the only one), the slot is pulled in to one interval
 * from now, as before bookings, rather than the number sitting out the step. If there are bookings ahead, it is not:
 * those jobs come back at their slots on the clock as it now reads, so the slots are still theirs, and a send booked
 * before them would go beside them. (They, like every job in the queue, sit out the step.)
 *
 * <p>A pace of 0 is unpaced: such numbers never touch the table ({@link #paced()}).
 */
final class NumberPacing {
    /**
     * Takes or books the number's next slot and returns the slot after it (the booked slot is one interval before);
     * no row if the number has none, or another transaction holds it (PostgreSQL). Free ({@code next_free_ns <= now}):
     * the slot is now. The clock behind the latest take ({@code now < taken_ns}) that booked nothing ahead: one
     * interval from now. Otherwise the next free slot, however far ahead.
     */
    private static final String BOOK = """
            UPDATE number_pacing SET next_free_ns = CASE
                    WHEN next_free_ns <= ? THEN ?
                    WHEN ? < taken_ns AND next_free_ns <= taken_ns + ? THEN ?
                    ELSE next_free_ns END + ?,
                taken_ns = ?
            WHERE handle = (SELECT handle FROM number_pacing WHERE handle = ?%s)
            RETURNING next_free_ns""";
    private static final String EXISTS = "SELECT 1 FROM number_pacing WHERE handle = ?";
    /** A number's first slot: its row, created taken; no row if another process created it first. */
    private static final String FIRST = """
            INSERT INTO number_pacing (handle, next_free_ns, taken_ns) VALUES (?, ?, ?)
            ON CONFLICT (handle) DO NOTHING
            RETURNING next_free_ns""";
    /**
     * How late a booked job may come back and still send in its slot, if the slot is shorter. Its worker's claims may
     * run behind (a busy queue), and a booking refused for that goes to the end of the number's bookings (where, late
     * again, it is honoured: see above); so not just one interval at fast paces. But a booking long past is refused (see
     * above). After a downtime, the bookings of this last stretch may go together: none more than one interval's worth
     * at a pace of 60 a minute or less, a second's worth at faster ones.
     */
    static final Duration LATE = Duration.ofSeconds(1);
    /** How soon a send that found the row held by another transaction (PostgreSQL) comes back, at most. */
    static final Duration HELD = Duration.ofMillis(100);

    /**
     * A slot a job booked (nanoseconds since the epoch), kept in its payload ({@link #payload}) by the booking;
     * {@code anew}: booked because the job came back past the slot of an earlier booking (it holds however late if its
     * slot came while the process claiming it was up).
     */
    record Booking(long slotNanos, boolean anew) {
        private static final String PREFIX = "paced:";
        private static final String ANEW = ":anew";

        String payload() {
            return PREFIX + slotNanos + (anew ? ANEW : "");
        }

        /** The booking a job's payload notes, or null (another payload, or none). */
        static Booking of(String payload) {
            if (payload == null || !payload.startsWith(PREFIX)) {
                return null;
            }
            boolean anew = payload.endsWith(ANEW);
            return new Booking(Long.parseLong(payload.substring(PREFIX.length(),
                    payload.length() - (anew ? ANEW.length() : 0))), anew);
        }
    }

    /** Reschedules the job to {@code due}, noting {@code booking} (null: none, the row was held) in its payload. */
    @FunctionalInterface
    interface Waiting {
        void reschedule(Handle tx, Instant due, Booking booking);
    }

    /** What one attempt found: the slot taken now, one booked ahead, the row held elsewhere, or no row. */
    private sealed interface Attempt {
        record Taken() implements Attempt {
        }

        record Booked(long slotNanos) implements Attempt {
        }

        record Held() implements Attempt {
        }

        record NoRow() implements Attempt {
        }
    }

    private final Database db;
    private final Writes writes;
    private final String book;
    /**
     * When this process began taking slots (nanoseconds since the epoch): a booking made anew whose slot came before is
     * one a downtime passed over, not one the queue is late for.
     */
    private final long startedNanos;
    /**
     * In nanoseconds: in whole milliseconds, 60,000 / perMinute was rounded down, so every rate that does not divide a
     * minute into whole milliseconds ran fast (45,000 a minute went out at 60,000, 25,000 at 30,000).
     */
    private final long intervalNanos;

    /**
     * {@code perMinute} of 0 means unpaced; {@code writes} takes the slots (group commit in the server);
     * {@code started} is when the process started (a booking made anew whose slot came before it books anew: see
     * above).
     */
    NumberPacing(Database db, Writes writes, int perMinute, Instant started) {
        this.db = db;
        this.writes = writes;
        this.startedNanos = nanos(started);
        this.book = BOOK.formatted(db.dialect().skipLocked());
        this.intervalNanos = perMinute <= 0 ? 0 : Math.max(1, Duration.ofMinutes(1).toNanos() / perMinute);
    }

    /** Whether numbers are paced at all; when not, {@link #take} need not (and should not) be called. */
    boolean paced() {
        return intervalNanos > 0;
    }

    /**
     * The slot of number {@code handle} for a job at {@code now}, its payload noting {@code held} (null: no booking).
     * Returns {@link Duration#ZERO} when the job may send: its booking holds (nothing written), or it took the slot,
     * committed. Otherwise returns how long until the job comes back, having run {@code whileWaiting} in the
     * transaction that booked its slot (or found the row held elsewhere). Unpaced, {@link Duration#ZERO} with nothing
     * written.
     */
    Duration take(String handle, Instant now, Booking held, Waiting whileWaiting) {
        if (intervalNanos == 0) {
            return Duration.ZERO;
        }
        long at = nanos(now);
        if (held != null && (held.anew() && held.slotNanos() >= startedNanos
                || at - held.slotNanos() < Math.max(intervalNanos, LATE.toNanos()))) {
            return Duration.ZERO;
        }
        boolean anew = held != null; // come back past its slot
        for (int round = 0; round < 2; round++) {
            Attempt attempt = writes.write(handle, tx -> {
                Attempt found = attempt(tx, handle, at);
                switch (found) {
                    case Attempt.Booked booked ->
                            whileWaiting.reschedule(tx, due(booked.slotNanos()), new Booking(booked.slotNanos(), anew));
                    case Attempt.Held h -> whileWaiting.reschedule(tx, due(at + heldWait().toNanos()), null);
                    default -> {
                    }
                }
                return found;
            });
            switch (attempt) {
                case Attempt.Taken taken -> {
                    return Duration.ZERO;
                }
                case Attempt.Booked booked -> {
                    return Duration.ofNanos(booked.slotNanos() - at);
                }
                case Attempt.Held h -> {
                    return heldWait();
                }
                case Attempt.NoRow none -> {
                    // alone in its transaction: an insert waits for another's of the same row, never while holding more
                    if (db.write(tx -> !Sql.list(tx, FIRST, row -> 1, handle, at + intervalNanos, at).isEmpty())) {
                        return Duration.ZERO;
                    }
                    // another process created the row first: the next round finds it
                }
            }
        }
        throw new IllegalStateException("the pacing row of " + handle + " vanished");
    }

    private Duration heldWait() {
        return Duration.ofNanos(Math.min(intervalNanos, HELD.toNanos()));
    }

    private Attempt attempt(Handle tx, String handle, long at) {
        var next = book(tx, handle, at);
        if (next.isEmpty()) {
            if (Sql.one(tx, EXISTS, row -> 1, handle).isEmpty()) {
                return new Attempt.NoRow();
            }
            // another transaction holds the row (it is booking a slot, and this send books after it shortly), or had
            // not yet committed it when the update looked (the number's first send): once more tells which
            next = book(tx, handle, at);
            if (next.isEmpty()) {
                return new Attempt.Held();
            }
        }
        long slot = next.get() - intervalNanos;
        return slot <= at ? new Attempt.Taken() : new Attempt.Booked(slot);
    }

    private java.util.Optional<Long> book(Handle tx, String handle, long at) {
        return Sql.one(tx, book, row -> row.longValue("next_free_ns"),
                at, at, at, intervalNanos, at + intervalNanos, intervalNanos, at, handle);
    }

    /**
     * When a job that booked the slot at {@code slotNanos} comes back: then, rounded up to the queue's milliseconds
     * (rounded down, it would come back before its slot).
     */
    static Instant due(long slotNanos) {
        Instant slot = Instant.ofEpochSecond(Math.floorDiv(slotNanos, 1_000_000_000L),
                Math.floorMod(slotNanos, 1_000_000_000L));
        Instant millis = slot.truncatedTo(ChronoUnit.MILLIS);
        return millis.equals(slot) ? slot : millis.plusMillis(1);
    }

    /** {@code instant} in nanoseconds since the epoch (a long holds those until the year 2262). */
    private static long nanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }
}
