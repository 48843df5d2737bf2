-- Per-number sending pace, shared by every process on the database (postgresql). Keep in step with
-- ../sqlite/V25__number_pacing.sql.
-- One row per paced sending number (by handle, the number as its carrier knows it): when its next send slot is
-- free, in nanoseconds since the epoch (not the usual epoch milliseconds: a pace such as 45,000 a minute does not
-- divide a minute into whole milliseconds). A send takes the slot with one update that moves it on only if it is free,
-- the number's first send with the insert of its row (see NumberPacing). Unpaced numbers have no row. No foreign key:
-- a removed number's row is a few bytes and keeps its pace if the number comes back.
CREATE TABLE number_pacing (
    handle       TEXT   NOT NULL PRIMARY KEY,
    next_free_ns BIGINT NOT NULL
);
