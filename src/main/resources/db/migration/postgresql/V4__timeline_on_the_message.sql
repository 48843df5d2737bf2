-- The timeline moves onto its message as a JSON array (text, like SQLite) of {status, channel, at (epoch ms),
-- detail}: a status change then appends to it in the UPDATE it makes anyway, instead of inserting a row and an
-- index entry per step. Keep in step with ../sqlite/V4__timeline_on_the_message.sql.
ALTER TABLE messages ADD COLUMN timeline TEXT NOT NULL DEFAULT '[]';
UPDATE messages m SET timeline = COALESCE((
    SELECT json_agg(json_build_object('status', t.status, 'channel', t.channel, 'at', t.at, 'detail', t.detail)
                    ORDER BY t.seq)::text
    FROM message_timeline t WHERE t.message_id = m.id), '[]');
DROP TABLE message_timeline;
