package dev.msgbubbles.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.GroupCommit;
import dev.msgbubbles.support.TestStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A consumer that always resumes from the last position it saw never misses an event and never sees one twice,
 * while several transactions append events concurrently and commit in an order unrelated to when they inserted
 * (PostgreSQL: four group-commit writers plus direct transactions, each held open for a random while before and, most
 * of them, after inserting their events).
 */
abstract class EventCursorContract {
    private TestStore store;
    private Database db;
    private GroupCommit writes;
    private final EventLog events = new EventLog(EventLog.Fanout.NONE);
    private final UUID account = UUID.randomUUID();

    abstract TestStore newStore();

    @BeforeEach
    void open() {
        store = newStore();
        db = store.open();
        writes = new GroupCommit(db, 4, 16);
    }

    @AfterEach
    void close() {
        writes.close();
        db.close();
        store.close();
    }

    private List<EventLog.Pending> pending(int count) {
        List<EventLog.Pending> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(EventLog.pending(account, Mode.TEST, EventType.MESSAGE_SENT, null, Map.of("n", i), Instant.now()));
        }
        return batch;
    }

    /**
     * Holds the transaction open a little after its events are inserted (a last step after the events' own), so that
     * transactions that took their cursors earlier often commit later.
     */
    private static void lingerAfterEvents(org.jdbi.v3.core.Handle tx) {
        afterEvents(tx, "linger", EventCursorContract::linger);
    }

    /**
     * Runs {@code action} as a last step of {@code tx} right after the events' own: the same order, registered after
     * the events were appended, so it runs after their step and before the commit.
     */
    private static void afterEvents(org.jdbi.v3.core.Handle tx, String name, Runnable action) {
        Database.lastStep(tx, name, () -> new Database.CommitStep() {
            @Override
            public void run(org.jdbi.v3.core.Handle h) {
                action.run();
            }

            @Override
            public int order() {
                return 2;
            }
        });
    }

    /** Holds the transaction open a little, so that transactions that inserted earlier often commit later. */
    private static void linger() {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(0, 12));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void a_consumer_resuming_from_its_last_position_sees_every_committed_event_exactly_once_in_order() throws Exception {
        Set<String> committed = ConcurrentHashMap.newKeySet();
        List<String> seen = new ArrayList<>();
        List<Long> positions = new ArrayList<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 12; t++) {
                int thread = t;
                writers.add(pool.submit(() -> {
                    for (int round = 0; round < 25; round++) {
                        List<EventLog.Pending> batch = pending(1 + ThreadLocalRandom.current().nextInt(3));
                        if (thread % 3 == 0) {
                            db.writeVoid(tx -> {
                                events.append(tx, batch);
                                linger();
                                lingerAfterEvents(tx);
                            });
                        } else {
                            writes.writeVoid(tx -> {
                                events.append(tx, batch);
                                linger();
                                if (thread % 3 == 1) {
                                    lingerAfterEvents(tx);
                                }
                            });
                        }
                        batch.forEach(e -> committed.add(e.id()));
                    }
                }));
            }
            Thread reader = Thread.ofPlatform().start(() -> {
                long last = 0;
                boolean finalPass = false;
                while (true) {
                    long from = last;
                    List<Event> page = db.read(h -> events.after(h, account, Mode.TEST, from, null, 50));
                    for (Event event : page) {
                        seen.add(event.id());
                        positions.add(event.cursor());
                        last = event.cursor();
                    }
                    if (page.isEmpty()) {
                        if (finalPass) {
                            return;
                        }
                        finalPass = !writing.get(); // one more empty read after the writers are done
                    }
                }
            });
            for (Future<?> writer : writers) {
                writer.get(120, TimeUnit.SECONDS);
            }
            writing.set(false);
            reader.join(60_000);
        } finally {
            pool.shutdownNow();
        }

        assertThat(committed).hasSizeGreaterThan(300);
        assertThat(new HashSet<>(seen)).as("every committed event, none twice").hasSize(seen.size()).isEqualTo(committed);
        assertThat(positions).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void the_type_filter_and_the_limit_apply_and_other_accounts_and_modes_are_invisible() {
        UUID other = UUID.randomUUID();
        db.writeVoid(tx -> {
            events.append(tx, List.of(
                    EventLog.pending(account, Mode.TEST, EventType.MESSAGE_SENT, null, Map.of(), Instant.now()),
                    EventLog.pending(account, Mode.TEST, EventType.MESSAGE_READ, null, Map.of(), Instant.now()),
                    EventLog.pending(account, Mode.LIVE, EventType.MESSAGE_READ, null, Map.of(), Instant.now()),
                    EventLog.pending(other, Mode.TEST, EventType.MESSAGE_READ, null, Map.of(), Instant.now()),
                    EventLog.pending(account, Mode.TEST, EventType.MESSAGE_READ, null, Map.of(), Instant.now())));
        });

        List<Event> all = db.read(h -> events.after(h, account, Mode.TEST, 0, null, 10));
        List<Event> reads = db.read(h -> events.after(h, account, Mode.TEST, 0, Set.of(EventType.MESSAGE_READ), 10));
        List<Event> first = db.read(h -> events.after(h, account, Mode.TEST, 0, null, 1));
        List<Event> rest = db.read(h -> events.after(h, account, Mode.TEST, first.getFirst().cursor(), null, 10));

        assertThat(all).extracting(Event::type).containsExactly(EventType.MESSAGE_SENT, EventType.MESSAGE_READ,
                EventType.MESSAGE_READ);
        assertThat(reads).hasSize(2).allSatisfy(e -> assertThat(e.type()).isEqualTo(EventType.MESSAGE_READ));
        assertThat(rest).hasSize(2);
    }

    @Test
    void the_fanout_gets_a_transactions_events_with_their_cursors_only_when_it_says_they_owe_work() {
        List<List<EventLog.Appended>> fannedOut = new ArrayList<>();
        EventLog reads = new EventLog(new EventLog.Fanout() {
            @Override
            public boolean owes(org.jdbi.v3.core.Handle tx, List<EventLog.Pending> batch) {
                return batch.stream().anyMatch(e -> e.type() == EventType.MESSAGE_READ);
            }

            @Override
            public void fanOut(org.jdbi.v3.core.Handle tx, List<EventLog.Appended> batch) {
                fannedOut.add(List.copyOf(batch));
            }
        });
        List<EventLog.Pending> unowed = pending(3);
        List<EventLog.Pending> owed = List.of(
                EventLog.pending(account, Mode.TEST, EventType.MESSAGE_SENT, null, Map.of(), Instant.now()),
                EventLog.pending(account, Mode.TEST, EventType.MESSAGE_READ, null, Map.of(), Instant.now()));
        db.writeVoid(tx -> reads.append(tx, unowed));
        db.writeVoid(tx -> reads.append(tx, owed));

        List<Event> stored = db.read(h -> events.after(h, account, Mode.TEST, 0, null, 10));
        assertThat(stored).extracting(Event::id).containsExactly(unowed.get(0).id(), unowed.get(1).id(),
                unowed.get(2).id(), owed.get(0).id(), owed.get(1).id());
        assertThat(fannedOut).hasSize(1);
        assertThat(fannedOut.getFirst()).extracting(a -> a.event().id()).containsExactly(owed.get(0).id(),
                owed.get(1).id());
        assertThat(fannedOut.getFirst()).extracting(EventLog.Appended::cursor).containsExactly(stored.get(3).cursor(),
                stored.get(4).cursor());
    }

    @Test
    void events_written_together_share_rows_of_one_account_and_mode_and_read_back_one_per_cursor() {
        EventType[] types = {EventType.MESSAGE_SENT, EventType.MESSAGE_DELIVERED, EventType.MESSAGE_READ};
        UUID thread = UUID.randomUUID();
        List<EventLog.Pending> batch = new ArrayList<>();
        Instant at = Instant.parse("2026-01-02T03:04:05.678Z");
        for (int i = 0; i < 40; i++) {
            Mode mode = i == 20 ? Mode.LIVE : Mode.TEST; // one event of another mode in the middle
            batch.add(EventLog.pending(account, mode, types[i % 3], i % 2 == 0 ? thread : null,
                    Map.of("n", i, "text", "caf\u00e9 \"quoted\" " + i), at.plusMillis(i * 7L)));
        }
        db.writeVoid(tx -> events.append(tx, batch));

        assertThat(db.<List<String>>read(h -> dev.msgbubbles.db.Sql.list(h, "SELECT span, mode FROM events ORDER BY cursor",
                row -> row.intValue("span") + " " + row.string("mode"))))
                .as("at most sixteen to a row, never two modes in one").containsExactly("16 test", "4 test", "1 live",
                        "16 test", "3 test");
        List<EventLog.Pending> expected = batch.stream().filter(e -> e.mode() == Mode.TEST).toList();
        List<Event> read = db.read(h -> events.after(h, account, Mode.TEST, 0, null, 100));
        assertThat(read).hasSize(39);
        for (int i = 0; i < read.size(); i++) {
            Event e = read.get(i);
            EventLog.Pending p = expected.get(i);
            assertThat(List.of(e.id(), e.type(), String.valueOf(e.conversationId()), e.payload(), e.createdAt(),
                    e.accountId(), e.mode())).isEqualTo(List.of(p.id(), p.type(), String.valueOf(p.conversationId()),
                    p.payload(), p.createdAt(), p.accountId(), p.mode()));
        }
        List<Long> cursors = read.stream().map(Event::cursor).toList();
        assertThat(cursors).isSorted().doesNotHaveDuplicates();
        assertThat(cursors.get(19) + 2).as("the live event's cursor between them").isEqualTo(cursors.get(20));
        assertThat(db.<Long>read(h -> events.lastCursor(h, account, Mode.TEST))).isEqualTo(cursors.getLast());
        assertThat(db.<List<Event>>read(h -> events.after(h, account, Mode.LIVE, 0, null, 10))).extracting(Event::cursor)
                .containsExactly(cursors.get(19) + 1);

        // resuming inside a row, page by page, sees the same events in the same order
        List<Event> paged = new ArrayList<>();
        long position = 0;
        for (List<Event> page; !(page = page(position, null, 5)).isEmpty(); position = page.getLast().cursor()) {
            assertThat(page.size()).isLessThanOrEqualTo(5);
            paged.addAll(page);
        }
        assertThat(paged).isEqualTo(read);
        List<Event> readsOnly = new ArrayList<>();
        position = 0;
        for (List<Event> page; !(page = page(position, Set.of(EventType.MESSAGE_READ), 3)).isEmpty();
             position = page.getLast().cursor()) {
            readsOnly.addAll(page);
        }
        assertThat(readsOnly).isEqualTo(read.stream().filter(e -> e.type() == EventType.MESSAGE_READ).toList());

        // a stretch that starts and ends inside rows
        List<Event> stretch = db.read(h -> events.between(h, account, Mode.TEST, cursors.get(3), cursors.get(30),
                at.plusMillis(5 * 7L), null, 100));
        assertThat(stretch).isEqualTo(read.subList(5, 31));
    }

    /**
     * A type filter that matches few events must not make every read look at the whole log after the consumer's last
     * match: a page stops after a bounded number of rows (then {@code hasMore} with fewer events, even none) and resumes
     * past the events of other types it looked at, and so does a stream.
     */
    @Test
    void a_filtered_read_looks_at_a_bounded_number_of_rows_and_resumes_past_the_events_of_other_types_it_skipped()
            throws Exception {
        UUID other = UUID.randomUUID();
        Instant now = Instant.now();
        List<EventLog.Pending> batch = new ArrayList<>();
        for (int i = 0; i < 120; i++) { // another account's events in between: a row per event
            batch.add(EventLog.pending(account, Mode.TEST, i == 70 ? EventType.MESSAGE_READ : EventType.MESSAGE_SENT,
                    null, Map.of("n", i), now));
            batch.add(EventLog.pending(other, Mode.TEST, EventType.MESSAGE_READ, null, Map.of("n", i), now));
        }
        db.writeVoid(tx -> events.append(tx, batch));
        db.writeVoid(tx -> events.append(tx, pending(16))); // and a packed row
        long newest = db.read(h -> events.lastCursor(h, account, Mode.TEST));
        Events reader = new Events(db, java.time.Duration.ofSeconds(15), 50, 1);
        Set<EventType> reads = Set.of(EventType.MESSAGE_READ);

        Events.Page first = reader.after(account, Mode.TEST, 0, reads, 10);
        assertThat(first.events()).as("no read event among the first 50 rows").isEmpty();
        assertThat(first.hasMore()).isTrue();
        assertThat(first.nextAfter()).as("past the rows it looked at").isGreaterThan(0);
        List<Event> walked = new ArrayList<>();
        int pages = 1;
        Events.Page page = first;
        while (page.hasMore()) {
            page = reader.after(account, Mode.TEST, page.nextAfter(), reads, 10);
            walked.addAll(page.events());
            pages++;
        }
        assertThat(walked).extracting(Event::payload).containsExactly("{\"n\":70}");
        assertThat(pages).as("121 rows, 50 a read").isEqualTo(3);
        assertThat(page.nextAfter()).as("past the trailing events of other types").isEqualTo(newest);
        assertThat(reader.after(account, Mode.TEST, newest, reads, 10))
                .isEqualTo(new Events.Page(List.of(), false, newest));

        // without a filter nothing changes: full pages, resumed after their last event
        Events.Page unfiltered = reader.after(account, Mode.TEST, 0, null, 10);
        assertThat(unfiltered.events()).hasSize(10);
        assertThat(unfiltered.hasMore()).isTrue();
        assertThat(unfiltered.nextAfter()).isEqualTo(unfiltered.events().getLast().cursor());

        // a stream of the filtered type gets the one match, reading on past pages without one
        List<Event> streamed = new ArrayList<>();
        assertThatThrownBy(() -> reader.follow(account, Mode.TEST, 0, reads, new Events.Sink() {
            @Override
            public byte[] render(List<Event> batch) {
                streamed.addAll(batch);
                return new byte[0];
            }

            @Override
            public void write(byte[] rendered) throws java.io.IOException {
                throw new java.io.IOException("the reader has what it came for");
            }

            @Override
            public void heartbeat(long through) {
            }
        })).isInstanceOf(java.io.IOException.class);
        assertThat(streamed).isEqualTo(walked);
    }

    /**
     * Followers catching up take turns for a slot to read and render a page (so that many of them cannot keep the
     * server's carriers from everything else), and never hold it while writing to their client, which may be slow.
     */
    @Test
    void followers_read_and_render_in_turns_for_a_slot_and_write_without_it() throws Exception {
        db.writeVoid(tx -> events.append(tx, pending(3)));
        Events reader = new Events(db, java.time.Duration.ofSeconds(15), 50, 1);
        java.util.concurrent.CountDownLatch aRendering = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch aMayRender = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch aWriting = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch aMayWrite = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch bRendered = new java.util.concurrent.CountDownLatch(1);
        Events.Sink a = new Events.Sink() {
            @Override
            public byte[] render(List<Event> batch) {
                aRendering.countDown();
                await(aMayRender);
                return new byte[0];
            }

            @Override
            public void write(byte[] rendered) throws java.io.IOException {
                aWriting.countDown();
                await(aMayWrite); // a client that does not read
                throw new java.io.IOException("gone");
            }

            @Override
            public void heartbeat(long through) {
            }
        };
        Events.Sink b = new Events.Sink() {
            @Override
            public byte[] render(List<Event> batch) {
                bRendered.countDown();
                return new byte[0];
            }

            @Override
            public void write(byte[] rendered) throws java.io.IOException {
                throw new java.io.IOException("done");
            }

            @Override
            public void heartbeat(long through) {
            }
        };
        ExecutorService followers = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Future<?> first = followers.submit(() -> {
                reader.follow(account, Mode.TEST, 0, null, a);
                return null;
            });
            assertThat(aRendering.await(10, TimeUnit.SECONDS)).isTrue();
            Future<?> second = followers.submit(() -> {
                reader.follow(account, Mode.TEST, 0, null, b);
                return null;
            });
            assertThat(bRendered.await(300, TimeUnit.MILLISECONDS)).as("the slot is taken while a renders").isFalse();
            aMayRender.countDown();
            assertThat(aWriting.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(bRendered.await(10, TimeUnit.SECONDS)).as("a, writing, holds no slot").isTrue();
            assertThatThrownBy(second::get).hasRootCauseMessage("done");
            aMayWrite.countDown();
            assertThatThrownBy(first::get).hasRootCauseMessage("gone");
        } finally {
            aMayRender.countDown();
            aMayWrite.countDown();
            followers.shutdownNow();
        }
    }

    /** A sink that keeps what it is given, page by page, and can hold a write until the test lets it go on. */
    private static final class Pages implements Events.Sink {
        final List<List<Event>> written = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.concurrent.CountDownLatch wrote = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch mayGoOn;
        private final ThreadLocal<List<Event>> rendering = new ThreadLocal<>();

        Pages(java.util.concurrent.CountDownLatch mayGoOn) {
            this.mayGoOn = mayGoOn;
        }

        @Override
        public byte[] render(List<Event> batch) {
            rendering.set(List.copyOf(batch));
            return new byte[0];
        }

        @Override
        public void write(byte[] rendered) {
            written.add(rendering.get());
            wrote.countDown();
            await(mayGoOn);
        }

        @Override
        public void heartbeat(long through) {
        }

        List<Event> events() {
            return written.stream().flatMap(List::stream).toList();
        }
    }

    /**
     * When the server begins to stop, followers end at an event boundary so that their consumers resume elsewhere:
     * one waiting for new events is woken at once (its poll here is an hour), one catching up ends after the page it
     * is writing, and one that starts then delivers one page and ends. Resuming from the last event given loses and
     * repeats nothing.
     */
    @Test
    void a_stop_ends_every_follower_after_a_whole_page_waking_idle_ones_and_a_later_one_after_its_first()
            throws Exception {
        db.writeVoid(tx -> events.append(tx, pending(3)));
        Events reader = new Events(db, java.time.Duration.ofSeconds(15), 2_000, 4, java.time.Duration.ofHours(1));
        java.util.concurrent.CountDownLatch open = new java.util.concurrent.CountDownLatch(0);
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        ExecutorService followers = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Pages idle = new Pages(open);
            Future<Events.Ended> idleEnd = followers.submit(() -> reader.follow(account, Mode.TEST, 0, null, idle));
            assertThat(idle.wrote.await(10, TimeUnit.SECONDS)).isTrue();
            db.writeVoid(tx -> events.append(tx, pending(250)));
            Pages catching = new Pages(held);
            Future<Events.Ended> catchingEnd = followers.submit(
                    () -> reader.follow(account, Mode.TEST, 0, null, catching));
            assertThat(catching.wrote.await(10, TimeUnit.SECONDS)).as("writing its first page").isTrue();

            reader.endFollowers();
            assertThat(idleEnd.get(10, TimeUnit.SECONDS)).as("woken, not left to its hour's poll")
                    .isEqualTo(Events.Ended.STOPPING);
            assertThat(idle.events()).hasSize(3);
            held.countDown();
            assertThat(catchingEnd.get(10, TimeUnit.SECONDS)).isEqualTo(Events.Ended.STOPPING);
            assertThat(catching.written).as("the page it was writing, and no more").hasSize(1);
            assertThat(catching.events()).hasSize(100);

            // started during the stop: one page each, resuming where the last one ended
            List<Event> resumed = new ArrayList<>(catching.events());
            for (int expected : new int[] {100, 53, 0}) {
                Pages later = new Pages(open);
                long from = resumed.getLast().cursor();
                assertThat(reader.follow(account, Mode.TEST, from, null, later)).isEqualTo(Events.Ended.STOPPING);
                assertThat(later.events()).hasSize(expected);
                resumed.addAll(later.events());
            }
            assertThat(resumed).as("every event once, in order")
                    .isEqualTo(reader.after(account, Mode.TEST, 0, null, 1_000).events());
        } finally {
            held.countDown();
            followers.shutdownNow();
        }
    }

    private static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<Event> page(long after, Set<EventType> types, int limit) {
        return db.read(h -> events.after(h, account, Mode.TEST, after, types, limit));
    }

    @Test
    void a_payload_holding_a_separator_gets_a_row_of_its_own_and_reads_back_intact() {
        Instant now = Instant.parse("2026-01-02T03:04:05Z");
        List<EventLog.Pending> batch = List.of(
                EventLog.pending(account, Mode.TEST, EventType.MESSAGE_SENT, null, Map.of("n", 1), now),
                new EventLog.Pending("evt_odd", account, Mode.TEST, EventType.MESSAGE_SENT, null,
                        "{\"a\":\"x\u001ey\u001fz\"}", now),
                EventLog.pending(account, Mode.TEST, EventType.MESSAGE_SENT, null, Map.of("n", 2), now),
                EventLog.pending(account, Mode.TEST, EventType.MESSAGE_SENT, null, Map.of("n", 3), now));
        db.writeVoid(tx -> events.append(tx, batch));

        assertThat(db.<List<Integer>>read(h -> dev.msgbubbles.db.Sql.list(h, "SELECT span FROM events ORDER BY cursor",
                row -> row.intValue("span")))).containsExactly(1, 1, 2);
        assertThat(db.<List<Event>>read(h -> events.after(h, account, Mode.TEST, 0, null, 10))).extracting(Event::payload)
                .containsExactlyElementsOf(batch.stream().map(EventLog.Pending::payload).toList());
    }

    @Test
    void a_transactions_events_get_consecutive_cursors_after_those_before_it_even_a_rolled_back_transactions() {
        db.writeVoid(tx -> events.append(tx, pending(3)));
        long before = db.read(h -> events.lastCursor(h, account, Mode.TEST));
        // cursors taken, then the transaction fails after its events step: PostgreSQL's sequence stays moved on
        assertThatThrownBy(() -> db.writeVoid(tx -> {
            events.append(tx, pending(5));
            afterEvents(tx, "fail", () -> {
                throw new IllegalStateException("rolled back after the events step");
            });
        })).hasMessageContaining("rolled back after the events step");

        db.writeVoid(tx -> events.append(tx, pending(4)));
        db.writeVoid(tx -> events.append(tx, pending(1)));

        List<Long> cursors = db.read(h -> events.after(h, account, Mode.TEST, before, null, 10)).stream()
                .map(Event::cursor).toList();
        assertThat(cursors).hasSize(5);
        long first = cursors.getFirst();
        assertThat(first).isGreaterThan(before);
        assertThat(cursors).as("one transaction's block, then the next transaction's cursor right after it")
                .containsExactly(first, first + 1, first + 2, first + 3, first + 4);
    }

    @Test
    void a_cursor_is_never_handed_out_twice_even_after_every_event_was_purged() {
        db.writeVoid(tx -> events.append(tx, pending(3)));
        long last = db.read(h -> events.lastCursor(h, account, Mode.TEST));
        assertThat(db.<Integer>write(tx -> events.removeThrough(tx, last, Instant.now().plusSeconds(60)))).isEqualTo(3);
        assertThat(db.<Long>read(h -> events.lastCursor(h, account, Mode.TEST))).isZero();

        db.writeVoid(tx -> events.append(tx, pending(2)));
        assertThat(db.<List<Event>>read(h -> events.after(h, account, Mode.TEST, 0, null, 10))).extracting(Event::cursor)
                .allSatisfy(cursor -> assertThat(cursor).isGreaterThan(last));
    }

    @Test
    void a_row_gives_out_one_of_its_events_only_for_that_events_cursor_and_id() {
        List<EventLog.Pending> first = pending(1);
        db.writeVoid(tx -> events.append(tx, first));
        List<EventLog.Pending> batch = pending(5);
        db.writeVoid(tx -> events.append(tx, batch));
        List<EventLog.Stored> rows = db.read(h -> dev.msgbubbles.db.Sql.list(h, "SELECT " + EventLog.Stored.COLUMNS
                + " FROM events ORDER BY cursor",
                row -> EventLog.Stored.read(row, "")));
        assertThat(rows).extracting(EventLog.Stored::span).containsExactly(1, 5);
        EventLog.Stored packed = rows.get(1);
        List<Event> all = packed.events();
        Event middle = all.get(2);

        assertThat(packed.event(middle.cursor(), batch.get(2).id())).contains(middle);
        assertThat(middle.payload()).isEqualTo(batch.get(2).payload());
        assertThat(packed.event(middle.cursor(), batch.get(3).id())).as("the id must match too").isEmpty();
        assertThat(packed.event(rows.get(0).cursor(), first.getFirst().id())).as("an earlier row's event").isEmpty();
        assertThat(packed.event(packed.cursor() + 1, batch.get(4).id())).isEmpty();
        assertThat(rows.get(0).event(rows.get(0).cursor(), first.getFirst().id())).map(Event::payload)
                .contains(first.getFirst().payload());
    }
}
