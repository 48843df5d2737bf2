-- The timeline moves onto its message as a JSON array of {status, channel, at (epoch ms), detail}: a status change
-- then appends to it in the UPDATE it makes anyway, instead of inserting a row and an index entry per step
-- (measured: four rows and eight index entries per message on the hot path). Keep in step with
-- ../postgresql/V4__timeline_on_the_message.sql.
ALTER TABLE messages ADD COLUMN timeline TEXT NOT NULL DEFAULT '[]';
UPDATE messages SET timeline = COALESCE((
    SELECT json_group_array(json_object('status', t.status, 'channel', t.channel, 'at', t.at, 'detail', t.detail))
    FROM (SELECT * FROM message_timeline WHERE message_id = messages.id ORDER BY seq) AS t), '[]');
DROP TABLE message_timeline;
