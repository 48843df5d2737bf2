-- Webhook deliveries (postgresql). Keep in step with ../sqlite/V6__webhook_deliveries.sql.
-- exhausted_in_a_row: deliveries of this endpoint that used up every retry since its last success; at three the
-- endpoint is disabled (DECISIONS §8).
ALTER TABLE webhooks ADD COLUMN exhausted_in_a_row INTEGER NOT NULL DEFAULT 0;

-- One event (or test ping) to one endpoint. event_id is the webhook-id header on every attempt; payload is set
-- only for test pings, which have no stored event. status: pending, succeeded, failed (final answer or retries
-- used up) or dropped (not sent: the URL no longer resolves to a public address, the endpoint was disabled).
-- retry_step is the position in the retry schedule (a manual retry starts it again); attempts counts them all.
CREATE TABLE webhook_deliveries (
    id               UUID     NOT NULL PRIMARY KEY,
    webhook_id       UUID     NOT NULL,
    account_id       UUID     NOT NULL,
    mode             TEXT    NOT NULL,
    event_id         TEXT    NOT NULL,
    event_type       TEXT    NOT NULL,
    payload          TEXT,
    status           TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    retry_step       INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT,
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at, id);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (created_at) WHERE status = 'pending';

-- Every attempt of a delivery, numbered from 1: when, the HTTP status (NULL when none came back), how long it
-- took, what went wrong and the start of the response body.
CREATE TABLE webhook_attempts (
    delivery_id      UUID     NOT NULL,
    number           INTEGER NOT NULL,
    attempted_at     BIGINT  NOT NULL,
    status_code      INTEGER,
    latency_ms       INTEGER NOT NULL,
    error            TEXT,
    response_excerpt TEXT,
    PRIMARY KEY (delivery_id, number)
);

-- The delivery queue: the shape of jobs, kept apart so that slow customer endpoints never hold up sends and each
-- queue's claims scan only its own rows. lane = endpoint + conversation: first attempts go out in event order.
CREATE TABLE delivery_jobs (
    seq         BIGSERIAL PRIMARY KEY,
    kind        TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    lane        TEXT,
    payload     TEXT,
    run_at      BIGINT  NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error  TEXT,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX delivery_jobs_due_idx ON delivery_jobs (run_at, seq);
CREATE INDEX delivery_jobs_lane_idx ON delivery_jobs (lane, seq) WHERE lane IS NOT NULL;
CREATE INDEX delivery_jobs_subject_idx ON delivery_jobs (subject);
