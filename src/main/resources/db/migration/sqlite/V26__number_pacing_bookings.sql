-- Per-number pacing with booked slots (sqlite). Keep in step with ../postgresql/V26__number_pacing_bookings.sql.
-- A send that finds its number busy books the next free slot for itself, so next_free_ns may now be many intervals
-- ahead of the clock (one a waiting send). taken_ns is the clock reading, in nanoseconds since the epoch, of the
-- latest take or booking: a clock reading behind it is a wall clock stepped back (or another machine's clock ahead),
-- which is how NumberPacing tells such a step from a legitimate backlog of bookings. 0 for rows of before: no reading.
ALTER TABLE number_pacing ADD COLUMN taken_ns INTEGER NOT NULL DEFAULT 0;
