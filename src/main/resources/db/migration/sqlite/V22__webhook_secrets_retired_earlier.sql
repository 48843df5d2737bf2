-- Secrets retired before the previous one (sqlite). Keep in step with ../postgresql/V22__webhook_secrets_retired_earlier.sql.
-- A rotation retires the current secret to previous_secret, which keeps signing until previous_secret_until (24 h). A
-- second rotation within those 24 h used to drop the secret it displaced from previous_secret at once, so receivers
-- still holding it failed to verify. Such a secret now moves here, and signs until its own 24 h end: a JSON array of
-- {"secret", "until" (epoch milliseconds)}, newest first, NULL when there is none; previous_secret stays the newest
-- retired secret, as older builds read it.
ALTER TABLE webhooks ADD COLUMN earlier_secrets TEXT;
