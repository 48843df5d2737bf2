package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.chat.ConversationStore;
import dev.msgbubbles.chat.ThreadIndex;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.PageQuery;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.TestStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SQLite's index of messages by thread is written in batches (ThreadIndex): every read by thread sees the indexed
 * messages and those not yet indexed, once each, wherever the mark between them stands.
 */
class SqliteThreadIndexIT {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    private final UUID account = UUID.randomUUID();
    private final UUID thread = UUID.randomUUID();
    private final UUID other = UUID.randomUUID();
    private final List<UUID> ours = new ArrayList<>(); // oldest first
    private final MessageStore messages = new MessageStore();
    private TestStore store;
    private Database db;

    @BeforeEach
    void open() {
        store = TestStore.sqlite();
        db = store.open();
        seed();
    }

    /** The account, both threads and their messages. */
    private void seed() {
        ours.clear();
        db.writeVoid(tx -> {
            tx.execute("INSERT INTO accounts (id, name, status, created_at, updated_at) VALUES (?, 'acme', 'active', 1, 1)",
                    account);
            for (UUID c : List.of(thread, other)) {
                tx.execute("INSERT INTO conversations (id, account_id, mode, from_handle, remote_handle, created_at, "
                        + "updated_at) VALUES (?, ?, 'test', '+18005550100', ?, 1, 1)", c, account, "+1415555" + c.hashCode());
            }
        });
        // 8 messages of ours, each followed by one of another thread; two share a millisecond (ordered by id then)
        for (int i = 0; i < 8; i++) {
            UUID id = new UUID(0x0192_0000_0000_7000L + i, 0x8000_0000_0000_0000L);
            ours.add(id);
            long at = T0.toEpochMilli() + (i == 5 ? 4 : i);
            insert(id, thread, at, i % 2 == 0 ? "inbound" : "outbound", i % 2 == 0 ? "received" : "delivered",
                    i == 6 ? null : (i == 3 ? "sms" : "imessage"));
            insert(new UUID(0x0193_0000_0000_7000L + i, 0x8000_0000_0000_0000L), other, at, "outbound", "sent", "imessage");
        }
    }

    @AfterEach
    void close() {
        db.close();
        store.close();
    }

    private void insert(UUID id, UUID conversation, long at, String direction, String status, String channel) {
        db.writeVoid(tx -> tx.execute("INSERT INTO messages (id, account_id, mode, conversation_id, direction, status, "
                + "channel, from_handle, to_handle, body, created_at, updated_at) VALUES (?, ?, 'test', ?, ?, ?, ?, "
                + "'+18005550100', '+14155550123', 'hi', ?, ?)", id, account, conversation, direction, status, channel, at, at));
    }

    private int catchUp(int max) {
        return ThreadIndex.catchUp(db, max);
    }

    /** Every page of the thread, newest first, {@code limit} at a time. */
    private List<UUID> walk(MessageStore.Filter filter, int limit) {
        List<UUID> seen = new ArrayList<>();
        Optional<String> before = Optional.empty();
        while (true) {
            PageQuery page = PageQuery.parse(Optional.of(String.valueOf(limit)), before);
            PageQuery.Page<Message> got = db.<PageQuery.Page<Message>>read(h -> messages.list(h, account, Mode.TEST, filter, page));
            got.items().forEach(m -> seen.add(m.id()));
            if (got.nextBefore() == null) {
                return seen;
            }
            before = Optional.of(got.nextBefore());
        }
    }

    private List<UUID> newestFirst(int... indexes) {
        List<UUID> ids = new ArrayList<>();
        for (int i : indexes) {
            ids.add(ours.get(i));
        }
        return ids;
    }

    @Test
    void pages_of_a_thread_have_no_gap_and_no_repeat_wherever_the_mark_stands() {
        MessageStore.Filter all = new MessageStore.Filter(thread, null, null, null);
        List<UUID> expected = newestFirst(7, 6, 5, 4, 3, 2, 1, 0);
        // i == 5 was written at i == 4's millisecond: same time, ordered by id (5 after 4)
        for (int mark = 0; mark <= 16; mark += 3) {
            assertThat(walk(all, 3)).as("mark after %d rows", mark).isEqualTo(expected);
            assertThat(walk(all, 1)).isEqualTo(expected);
            assertThat(walk(new MessageStore.Filter(thread, MessageStatus.RECEIVED, null, null), 2))
                    .isEqualTo(newestFirst(6, 4, 2, 0));
            assertThat(walk(new MessageStore.Filter(thread, null, Message.Direction.OUTBOUND, null), 1))
                    .isEqualTo(newestFirst(7, 5, 3, 1));
            catchUp(3);
        }
        assertThat(catchUp(100)).isZero();
        assertThat(count("SELECT COUNT(*) FROM thread_entries")).isEqualTo(16);
    }

    @Test
    void a_message_indexed_before_the_mark_passes_it_still_counts_once() {
        // a catch-up cut short after its entries, before it moved the mark
        List<Object[]> odd = db.read(h -> h.createQuery("SELECT conversation_id, created_at, id FROM messages "
                + "WHERE rowid % 2 = 1").map((rs, ctx) -> new Object[] {rs.getString(1), rs.getLong(2), rs.getString(3)}).list());
        db.sideWrite(h -> {
            odd.forEach(row -> h.execute("INSERT INTO thread_entries (conversation_id, created_at, id) VALUES (?, ?, ?)", row));
            return null;
        });
        MessageStore.Filter all = new MessageStore.Filter(thread, null, null, null);
        assertThat(walk(all, 3)).isEqualTo(newestFirst(7, 6, 5, 4, 3, 2, 1, 0));
        assertThat(markRead(T0.plusSeconds(60))).isEqualTo(4);
        assertThat(catchUp(100)).isEqualTo(16);
        assertThat(count("SELECT COUNT(*) FROM thread_entries")).isEqualTo(16);
        assertThat(count("SELECT upto FROM thread_entries_mark")).isEqualTo(16);
        assertThat(walk(all, 3)).isEqualTo(newestFirst(7, 6, 5, 4, 3, 2, 1, 0));
    }

    private int count(String sql) {
        Integer n = db.read(h -> h.createQuery(sql).mapTo(Integer.class).one());
        return n;
    }

    private Optional<ChannelType> latestChannel() {
        Optional<ChannelType> channel = db.read(h -> messages.latestChannel(h, thread));
        return channel;
    }

    private Instant lastMessageAt() {
        ConversationStore conversations = new ConversationStore(java.time.Clock.systemUTC());
        Instant at = db.read(h -> conversations.find(h, account, Mode.TEST, thread)).orElseThrow().lastMessageAt();
        return at;
    }

    private int markRead(Instant at) {
        Integer marked = db.write(tx -> messages.markInboundRead(tx, thread, at, at));
        return marked;
    }

    @Test
    void the_latest_channel_last_message_time_and_marking_read_see_indexed_and_not_yet_indexed_messages() {
        assertThat(latestChannel()).contains(ChannelType.IMESSAGE);
        assertThat(lastMessageAt()).isEqualTo(T0.plusMillis(7));
        catchUp(16);
        assertThat(latestChannel()).contains(ChannelType.IMESSAGE);
        assertThat(lastMessageAt()).isEqualTo(T0.plusMillis(7));
        // a newer message, not yet indexed, over SMS
        UUID newest = new UUID(0x0192_0000_0000_7100L, 0x8000_0000_0000_0000L);
        insert(newest, thread, T0.toEpochMilli() + 100, "inbound", "received", "sms");
        assertThat(latestChannel()).contains(ChannelType.SMS);
        assertThat(lastMessageAt()).isEqualTo(T0.plusMillis(100));
        // inbound: 0, 2, 4, 6 indexed, the newest not yet
        assertThat(markRead(T0.plusSeconds(60))).isEqualTo(5);
        assertThat(markRead(T0.plusSeconds(61))).isZero();
        assertThat(count("SELECT COUNT(*) FROM messages WHERE read_at IS NOT NULL")).isEqualTo(5);
    }

    private java.util.Map<UUID, Instant> listedLastMessageAt() {
        ConversationStore conversations = new ConversationStore(java.time.Clock.systemUTC());
        PageQuery page = PageQuery.parse(Optional.of("10"), Optional.empty());
        java.util.Map<UUID, Instant> last = new java.util.HashMap<>();
        db.<PageQuery.Page<dev.msgbubbles.chat.Conversation>>read(h -> conversations.list(h, account, Mode.TEST, page))
                .items().forEach(c -> last.put(c.id(), c.lastMessageAt()));
        return last;
    }

    @Test
    void a_list_of_threads_gives_each_its_newest_message_indexed_or_not() {
        assertThat(listedLastMessageAt()).containsEntry(thread, T0.plusMillis(7)).containsEntry(other, T0.plusMillis(7));
        catchUp(5);
        assertThat(listedLastMessageAt()).containsEntry(thread, T0.plusMillis(7)).containsEntry(other, T0.plusMillis(7));
        catchUp(100);
        insert(new UUID(0x0193_0000_0000_7100L, 0x8000_0000_0000_0000L), other, T0.toEpochMilli() + 50, "outbound",
                "queued", null);
        assertThat(listedLastMessageAt()).containsEntry(thread, T0.plusMillis(7)).containsEntry(other, T0.plusMillis(50))
                .hasSize(2);
    }

    @Test
    void a_read_by_thread_walks_the_thread_entries_not_the_account_s_messages() {
        catchUp(16);
        String before = ours.get(5).toString();
        for (MessageStore.Filter filter : List.of(new MessageStore.Filter(thread, null, null, null),
                new MessageStore.Filter(thread, MessageStatus.DELIVERED, Message.Direction.OUTBOUND, "+14155550123"))) {
            for (Optional<String> from : List.of(Optional.<String>empty(), Optional.of(before))) {
                PageQuery page = PageQuery.parse(Optional.of("10"), from);
                String plan = db.<String>read(h -> {
                    ThreadIndex.Where query = messages.listQuery(h, account, Mode.TEST, filter, page);
                    var explain = h.createQuery("EXPLAIN QUERY PLAN " + query.sql());
                    for (int i = 0; i < query.values().size(); i++) {
                        explain.bind(i, query.values().get(i));
                    }
                    return String.join("\n", explain.map((rs, ctx) -> rs.getString("detail")).list());
                });
                assertThat(plan).as(plan).contains("thread_entries").doesNotContain("messages_list_idx")
                        .doesNotContainPattern("SCAN messages(?! USING)");
            }
        }
    }

    private java.nio.file.Path dataDir() {
        return java.nio.file.Path.of(store.environment().get("MSGBUBBLES_DATA_DIR"));
    }

    private void deleteFiles(String prefix) throws java.io.IOException {
        try (var files = java.nio.file.Files.list(dataDir())) {
            for (java.nio.file.Path f : files.filter(f -> f.getFileName().toString().startsWith(prefix)).toList()) {
                java.nio.file.Files.delete(f);
            }
        }
    }

    @Test
    void the_index_lives_in_the_side_file_beside_the_store() {
        catchUp(100);
        assertThat(dataDir().resolve("msgbubbles-threads.db")).exists();
        assertThat(count("SELECT COUNT(*) FROM side.thread_entries")).isEqualTo(16);
        assertThat(count("SELECT COUNT(*) FROM main.sqlite_master WHERE name LIKE 'thread_entries%'")).isZero();
    }

    @Test
    void a_side_file_that_does_not_match_its_store_is_emptied_and_written_again() {
        catchUp(100);
        assertThat(ThreadIndex.verify(db)).isFalse(); // it matches
        // the message at the mark is not the one the side file recorded there (the store restored from a backup)
        db.sideWrite(h -> h.execute("UPDATE thread_entries_mark SET upto_id = ?", UUID.randomUUID().toString()));
        assertThat(ThreadIndex.verify(db)).isTrue();
        assertThat(count("SELECT COUNT(*) FROM thread_entries")).isZero();
        assertThat(count("SELECT upto FROM thread_entries_mark")).isZero();
        MessageStore.Filter all = new MessageStore.Filter(thread, null, null, null);
        assertThat(walk(all, 3)).isEqualTo(newestFirst(7, 6, 5, 4, 3, 2, 1, 0));
        assertThat(catchUp(100)).isEqualTo(16);
        assertThat(ThreadIndex.verify(db)).isFalse();
        assertThat(walk(all, 3)).isEqualTo(newestFirst(7, 6, 5, 4, 3, 2, 1, 0));
    }

    @Test
    void a_side_file_kept_beside_a_new_store_is_emptied_and_a_lost_one_written_again() throws Exception {
        catchUp(100);
        db.close();
        deleteFiles("msgbubbles.db"); // the store, its log and shared memory; its side file stays
        db = store.open();
        assertThat(count("SELECT upto FROM thread_entries_mark")).isEqualTo(16);
        assertThat(ThreadIndex.verify(db)).isTrue(); // no message at its mark
        assertThat(count("SELECT COUNT(*) FROM thread_entries")).isZero();

        seed(); // the same messages in the new store
        assertThat(catchUp(100)).isEqualTo(16);
        db.close();
        deleteFiles("msgbubbles-threads.db"); // the side file lost: created empty, written again
        db = store.open();
        assertThat(ThreadIndex.verify(db)).isFalse();
        MessageStore.Filter all = new MessageStore.Filter(thread, null, null, null);
        assertThat(walk(all, 2)).isEqualTo(newestFirst(7, 6, 5, 4, 3, 2, 1, 0));
        assertThat(catchUp(100)).isEqualTo(16);
        assertThat(walk(all, 2)).isEqualTo(newestFirst(7, 6, 5, 4, 3, 2, 1, 0));
    }

    @Test
    void a_catch_up_does_not_wait_for_the_store_s_writer() throws Exception {
        // the store's writer in a transaction that has read the index (so it holds its reading of the side file)
        java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread writer = Thread.ofPlatform().start(() -> db.writeVoid(tx -> {
            tx.createQuery("SELECT COUNT(*) FROM thread_entries").mapTo(Integer.class).one();
            inside.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        try {
            assertThat(inside.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            long started = System.nanoTime();
            assertThat(catchUp(100)).isEqualTo(16);
            // held off, it would wait out SQLite's busy timeout (10 s) and then fail
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(5));
        } finally {
            release.countDown();
            writer.join();
        }
        assertThat(count("SELECT COUNT(*) FROM thread_entries")).isEqualTo(16);
    }

    @Test
    void starting_indexes_every_message_before_it_returns() {
        // the loop's interval is far away: only the start itself can have written these
        try (ThreadIndex index = new ThreadIndex(db, java.time.Duration.ofHours(1))) {
            index.start();
            assertThat(count("SELECT COUNT(*) FROM thread_entries")).isEqualTo(16);
            assertThat(count("SELECT upto FROM thread_entries_mark")).isEqualTo(16);
        }
    }
}
