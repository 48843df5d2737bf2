package dev.msgbubbles.message;

import java.time.Instant;

/**
 * Where a paced send's retry window starts, noted in its job's payload ahead of its {@link NumberPacing.Booking}
 * ({@code window:<nanos>;paced:<slot>}). A send's window counts from when it could first go out: the later of
 * {@link SendJob#windowStart} (its acceptance, scheduled time or latest retry) and its first booked slot. Waiting for a
 * slot is not waiting for an offline number or a failing backend, which is what the window bounds: counted from the
 * acceptance, a bulk send with more than a window's backlog at its number's pace failed its later messages at their
 * slots, at the first "try later" or offline moment, without a single retry.
 *
 * <p>The start is fixed by the send's first booking and kept, booking after booking, until the job ends: the slots it
 * books for its retries (see {@link SendJob#payloadForRetry}) must not move it again, or a send whose backend keeps
 * saying "try later" would never fail. A send that took its slot at once (the number was free) keeps the window of its
 * message, as an unpaced one does; if it is retried, its retry notes that start, so that the slot the retry books is no
 * first slot either. A send held (its number offline) before it ever had a slot has used part of its window holding:
 * its retry notes {@value #HELD}, and its first booking then starts the window that much before its slot (the hold
 * counts, the wait for the slot does not), rather than give it a whole second window of holding from its slot.
 *
 * <p>In the payload, not the message: the note is the job's (a {@code retry} of the message enqueues a new job, with
 * a whole new window) and is written with the booking or the retry, in the statement that reschedules the job anyway,
 * so it costs no statement and survives a restart. An unpaced send gets none (one booked before a restart set the pace
 * to 0 keeps its own): its path reads no more than whether its payload starts with {@value #PREFIX}. The note comes first so that a server before it, which only knows payloads
 * starting with {@code paced:}, takes such a payload for none and books anew.
 */
final class PacedWindow {
    static final String PREFIX = "window:";
    /** The note of a send held before it had a slot: its window runs from its message's start (see above). */
    static final String HELD = PREFIX + "held";
    private static final char END = ';';

    private PacedWindow() {
    }

    /**
     * Where the window of the send whose job has {@code payload} starts, its message's starting at {@code own}
     * ({@link SendJob#windowStart}).
     */
    static Instant start(Instant own, String payload) {
        if (payload == null || !payload.startsWith(PREFIX) || payload.startsWith(HELD)) {
            return own;
        }
        Instant fixed = instant(Long.parseLong(payload.substring(PREFIX.length(), end(payload))));
        return fixed.isAfter(own) ? fixed : own;
    }

    /** The payload without its window note: what {@link NumberPacing.Booking#of} reads. */
    static String rest(String payload) {
        if (payload == null || !payload.startsWith(PREFIX)) {
            return payload;
        }
        int end = end(payload);
        return end + 1 >= payload.length() ? null : payload.substring(end + 1);
    }

    /** The payload's window note, or null. */
    static String note(String payload) {
        return payload == null || !payload.startsWith(PREFIX) ? null : payload.substring(0, end(payload));
    }

    /** The payload noting {@code note} (null: none) and then {@code rest} (null: nothing). */
    static String payload(String note, String rest) {
        return note == null ? rest : rest == null ? note : note + END + rest;
    }

    /** The note of a fixed start. */
    static String fixed(Instant start) {
        return PREFIX + nanos(start);
    }

    /**
     * The note a send's first booking of {@code slotNanos} at {@code now} makes, its payload noting {@code note} (null:
     * none, or {@value #HELD}); a note of a fixed start is kept.
     */
    static String booked(String note, Instant messageStart, long slotNanos, Instant now) {
        if (note != null && !note.equals(HELD)) {
            return note;
        }
        long own = nanos(messageStart);
        long start = note == null ? slotNanos : own + (slotNanos - Math.max(nanos(now), own));
        return PREFIX + Math.max(own, start);
    }

    private static int end(String payload) {
        int end = payload.indexOf(END);
        return end < 0 ? payload.length() : end;
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    private static long nanos(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
    }
}
