-- Blobs in use by an upload not yet recorded or a send not yet done with converted media (postgresql). Keep in step
-- with ../sqlite/V24__blob_holds.sql.
-- Several processes share one blob directory: a process may remove a blob only when no attachment names it and no
-- hold on it is live, checked under the blob's lock (see BlobHoldStore), which a hold is also taken under. A hold
-- lasts until its holder deletes it or, when the holder died, until expires_at (epoch ms); the purge then deletes it.
CREATE TABLE blob_holds (
    id         UUID   NOT NULL PRIMARY KEY,
    sha256     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX blob_holds_blob_idx ON blob_holds (sha256);
CREATE INDEX blob_holds_expiry_idx ON blob_holds (expires_at);
