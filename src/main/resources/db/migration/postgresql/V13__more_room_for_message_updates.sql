-- More room on the pages of messages (postgresql). A sent message's row about doubles when its status moves on (its
-- timeline gains the sent, delivered and read steps, and sent_at, delivered_at, read_at and channel get values:
-- ≈ 260 → 500 bytes), and the old version of each updated row stays on the page until it can be pruned. With
-- fillfactor 70 (V11) only about half of those updates found room (measured under the send benchmark: 10,407
-- heap-only updates of 19,985), 50 gave 72 %, 30 all of them; each update without room writes a new entry into every
-- index of the table. The price is space: a page of sent messages ends up about half full.
-- SQLite updates rows in place and has no such setting (../sqlite/V13__more_room_for_message_updates.sql).
ALTER TABLE messages SET (fillfactor = 30);
