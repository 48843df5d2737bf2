-- Where the event retention has reached, per account and mode (postgresql). Keep in step with
-- ../sqlite/V23__event_retention_horizons.sql (PostgreSQL has no V20, an sqlite-only change).
-- purged_through is the highest cursor the purge removed of that account and mode (EventPurge writes it in the
-- transaction that deletes the rows; a row of the log holds events of one account and mode only). A consumer resuming
-- after a lower cursor would skip removed events without knowing: GET /v1/events and the stream answer it
-- 410 cursor_expired instead. One row per account and mode that ever had events removed; read by its key.
CREATE TABLE event_horizons (
    account_id     UUID   NOT NULL,
    mode           TEXT   NOT NULL,
    purged_through BIGINT NOT NULL,
    PRIMARY KEY (account_id, mode)
);
