package dev.msgbubbles.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Sql;
import dev.msgbubbles.queue.JobQueue;
import dev.msgbubbles.queue.Worker;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Events past their retention leave the log, hour by hour through the job queue, oldest cursor first and in chunks;
 * newer ones stay, and a retention of zero keeps every event. Runs on a manual clock: nothing waits.
 */
abstract class EventPurgeContract {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private TestStore store;
    private Database db;
    private JobQueue queue;
    private final MutableClock clock = new MutableClock(START);
    private final EventLog events = new EventLog(EventLog.Fanout.NONE);
    private final UUID account = UUID.randomUUID();

    abstract TestStore newStore();

    @BeforeEach
    void open() {
        store = newStore();
        db = store.open();
        queue = new JobQueue(db);
    }

    @AfterEach
    void close() {
        db.close();
        store.close();
    }

    private List<String> append(int count, Instant at) {
        List<EventLog.Pending> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(EventLog.pending(account, Mode.TEST, EventType.MESSAGE_SENT, null, Map.of("n", i), at));
        }
        db.writeVoid(tx -> events.append(tx, batch));
        return batch.stream().map(EventLog.Pending::id).toList();
    }

    /** {@code count} events, each written by a transaction of its own, so each in a row of its own. */
    private List<String> appendEach(int count, Instant at) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.addAll(append(1, at));
        }
        return ids;
    }

    private List<String> stored() {
        List<Event> all = db.read(h -> events.after(h, account, Mode.TEST, 0, 100_000));
        return all.stream().map(Event::id).toList();
    }

    private Worker worker(EventPurge purge) {
        return new Worker(db, queue, Map.of(EventPurge.KIND, purge), clock,
                new Worker.Settings(16, Duration.ofMinutes(1), Duration.ofMillis(10)));
    }

    private Instant nextPurge() {
        List<Instant> due = db.read(h -> Sql.list(h, "SELECT run_at FROM jobs WHERE kind = ?",
                row -> row.instant("run_at"), EventPurge.KIND));
        assertThat(due).hasSize(1);
        return due.getFirst();
    }

    @Test
    void events_past_the_retention_leave_the_log_in_chunks_and_newer_ones_stay() {
        List<String> old = append(EventPurge.CHUNK * 2 + 5, START); // three chunks: 1000, 1000 and 5
        List<String> newer = append(3, START.plus(Duration.ofDays(20)));
        EventPurge purge = new EventPurge(db, queue, Duration.ofDays(30));
        purge.ensureScheduled(START);
        purge.ensureScheduled(START); // a second process starting: still one job
        Worker worker = worker(purge);

        clock.advance(Duration.ofDays(29));
        assertThat(worker.drain()).isEqualTo(1);
        assertThat(stored()).hasSize(old.size() + newer.size());
        assertThat(nextPurge()).isEqualTo(clock.instant().plus(EventPurge.EVERY));

        clock.advance(Duration.ofDays(2));
        assertThat(worker.drain()).isEqualTo(1);
        assertThat(stored()).containsExactlyElementsOf(newer);
        assertThat(nextPurge()).isEqualTo(clock.instant().plus(EventPurge.EVERY));

        clock.advance(Duration.ofDays(20));
        worker.drain();
        assertThat(stored()).isEmpty();
    }

    @Test
    void an_event_whose_time_is_out_of_step_with_its_cursor_holds_back_only_the_events_after_it() {
        List<String> first = append(2, START);
        // e.g. written by a process whose clock ran ahead
        List<String> late = append(1, START.plus(Duration.ofDays(10)));
        List<String> after = append(2, START.plus(Duration.ofDays(1)));
        EventPurge purge = new EventPurge(db, queue, Duration.ofDays(30));

        assertThat(purge.purge(START.plus(Duration.ofDays(5)))).isEqualTo(new EventPurge.Outcome(2, false));
        List<String> kept = new ArrayList<>(late);
        kept.addAll(after);
        assertThat(stored()).containsExactlyElementsOf(kept);
        assertThat(first).doesNotContainAnyElementsOf(stored());

        assertThat(purge.purge(START.plus(Duration.ofDays(11)))).isEqualTo(new EventPurge.Outcome(3, false));
        assertThat(stored()).isEmpty();
    }

    @Test
    void a_retention_of_zero_keeps_every_event() {
        List<String> old = append(5, START);
        EventPurge purge = new EventPurge(db, queue, Duration.ZERO);
        purge.ensureScheduled(START);
        Worker worker = worker(purge);

        clock.advance(Duration.ofDays(3650));
        assertThat(worker.drain()).isEqualTo(1);
        assertThat(stored()).containsExactlyElementsOf(old);
        assertThat(nextPurge()).isEqualTo(clock.instant().plus(EventPurge.EVERY));
    }

    @Test
    void a_backlog_larger_than_one_run_is_taken_in_several_each_due_again_at_once() {
        appendEach(45, START); // the chunks count rows: one event per row here
        List<String> newer = append(2, START.plus(Duration.ofDays(40)));
        EventPurge purge = new EventPurge(db, queue, Duration.ofDays(30), 10, 2); // 20 rows a run

        assertThat(purge.purge(START.plus(Duration.ofDays(1)))).isEqualTo(new EventPurge.Outcome(20, true));
        assertThat(stored()).hasSize(25 + newer.size());

        purge.ensureScheduled(START);
        Worker worker = worker(purge);
        clock.advance(Duration.ofDays(31));
        assertThat(worker.drain()).as("runs: 20 events, then 5, then rescheduled for an hour on").isEqualTo(2);
        assertThat(stored()).containsExactlyElementsOf(newer);
        assertThat(nextPurge()).isEqualTo(clock.instant().plus(EventPurge.EVERY));
    }

    @Test
    void events_written_together_share_a_row_and_leave_together_once_the_newest_of_them_is_past_the_retention() {
        List<EventLog.Pending> together = new ArrayList<>();
        for (int day = 0; day < 3; day++) { // one transaction, events of three days (e.g. a clock that moved)
            together.add(EventLog.pending(account, Mode.TEST, EventType.MESSAGE_SENT, null, Map.of("day", day),
                    START.plus(Duration.ofDays(day))));
        }
        db.writeVoid(tx -> events.append(tx, together));
        List<String> later = append(1, START.plus(Duration.ofDays(3)));
        assertThat(db.<List<Integer>>read(h -> Sql.list(h, "SELECT span FROM events ORDER BY cursor", row -> row.intValue("span"))))
                .containsExactly(3, 1);
        EventPurge purge = new EventPurge(db, queue, Duration.ofDays(30));

        assertThat(purge.purge(START.plus(Duration.ofDays(2)))).as("the row's newest event is not due yet")
                .isEqualTo(new EventPurge.Outcome(0, false));
        assertThat(stored()).hasSize(4);
        List<Event> read = db.read(h -> events.after(h, account, Mode.TEST, 0, 100));
        assertThat(read).extracting(Event::createdAt).containsExactly(START, START.plus(Duration.ofDays(1)),
                START.plus(Duration.ofDays(2)), START.plus(Duration.ofDays(3)));

        assertThat(purge.purge(START.plus(Duration.ofDays(2)).plusMillis(1))).isEqualTo(new EventPurge.Outcome(3, false));
        assertThat(stored()).containsExactlyElementsOf(later);
    }

    private long horizon(UUID accountId, Mode mode) {
        return db.read(h -> Sql.one(h, "SELECT purged_through FROM event_horizons WHERE account_id = ? AND mode = ?",
                row -> row.longValue("purged_through"), accountId, mode.wire())).orElse(0L);
    }

    @Test
    void the_purge_records_per_account_and_mode_the_highest_cursor_it_removed_in_rows_written_together() {
        UUID other = UUID.randomUUID();
        List<EventLog.Pending> together = new ArrayList<>(); // one transaction: rows of a, of other, of a live, of a
        together.add(EventLog.pending(account, Mode.TEST, EventType.MESSAGE_SENT, null, Map.of("n", 1), START));
        together.add(EventLog.pending(account, Mode.TEST, EventType.MESSAGE_SENT, null, Map.of("n", 2), START));
        together.add(EventLog.pending(other, Mode.TEST, EventType.MESSAGE_SENT, null, Map.of("n", 3), START));
        together.add(EventLog.pending(account, Mode.LIVE, EventType.MESSAGE_SENT, null, Map.of("n", 4), START));
        together.add(EventLog.pending(account, Mode.TEST, EventType.MESSAGE_SENT, null, Map.of("n", 5), START));
        db.writeVoid(tx -> events.append(tx, together));
        List<String> later = append(1, START.plus(Duration.ofDays(3)));
        List<Long> cursors = db.read(h -> Sql.list(h, "SELECT cursor FROM events ORDER BY cursor",
                row -> row.longValue("cursor")));
        assertThat(cursors).hasSize(5); // a's two, other's, a's live, a's last; then the later one
        long first = cursors.getFirst() - 1; // the first event's cursor: a's first row holds two

        assertThat(new EventPurge(db, queue, Duration.ofDays(30)).purge(START.plusMillis(1)).purged()).isEqualTo(5);
        assertThat(horizon(account, Mode.TEST)).isEqualTo(cursors.get(3));
        assertThat(horizon(other, Mode.TEST)).isEqualTo(cursors.get(1));
        assertThat(horizon(account, Mode.LIVE)).isEqualTo(cursors.get(2));
        assertThat(horizon(UUID.randomUUID(), Mode.TEST)).isZero();
        db.read(h -> {
            assertThat(events.expiredAfter(h, account, Mode.TEST, first)).isTrue();
            assertThat(events.expiredAfter(h, account, Mode.TEST, cursors.get(3) - 1)).isTrue();
            assertThat(events.expiredAfter(h, account, Mode.TEST, cursors.get(3))).isFalse();
            assertThat(events.expiredAfter(h, account, Mode.TEST, 0)).as("from the oldest kept event").isFalse();
            assertThat(events.expiredAfter(h, other, Mode.TEST, cursors.get(1) - 1)).isTrue();
            assertThat(events.expiredAfter(h, other, Mode.TEST, cursors.get(1))).isFalse();
            assertThat(events.expiredAfter(h, account, Mode.LIVE, cursors.get(2))).isFalse();
            assertThat(events.expiredAfter(h, UUID.randomUUID(), Mode.TEST, 1)).isFalse();
            return null;
        });
        assertThat(stored()).containsExactlyElementsOf(later);

        // a later purge only ever raises a horizon
        db.writeVoid(tx -> Sql.update(tx, "UPDATE event_horizons SET purged_through = purged_through + 1000 "
                + "WHERE account_id = ? AND mode = ?", account, Mode.TEST.wire()));
        assertThat(new EventPurge(db, queue, Duration.ofDays(30)).purge(START.plus(Duration.ofDays(4))).purged())
                .isEqualTo(1);
        assertThat(horizon(account, Mode.TEST)).isEqualTo(cursors.get(3) + 1000);
    }

    @Test
    void a_stream_the_purge_overtakes_while_it_catches_up_ends_and_a_page_after_its_cursor_is_refused() throws Exception {
        append(150, START); // 150 events in packed rows: the follower reads them 100 at a time
        List<String> kept = append(1, START.plus(Duration.ofDays(40)));
        // a heartbeat at every idle poll: a follower that went on past the purge would idle, and is closed there
        Events reader = new Events(db, Duration.ZERO, Events.MAX_SCAN_ROWS, 1);
        List<String> idle = new ArrayList<>();
        EventPurge purge = new EventPurge(db, queue, Duration.ofDays(30));
        List<Long> delivered = new ArrayList<>();
        reader.follow(account, Mode.TEST, 0, null, new Events.Sink() {
            @Override
            public byte[] render(List<Event> batch) {
                batch.forEach(e -> delivered.add(e.cursor()));
                return new byte[0];
            }

            @Override
            public void write(byte[] rendered) {
                // the purge runs while the follower is between its first page and its second
                purge.purge(START.plus(Duration.ofDays(1)));
            }

            @Override
            public void heartbeat(long through) {
                idle.add("heartbeat");
                reader.close();
            }
        });
        // follow returned by itself, before it idled: the 50 events after its cursor are gone
        assertThat(delivered).hasSize(100);
        assertThat(idle).as("the follower went on as if nothing were missing").isEmpty();
        assertThatThrownBy(() -> new Events(db, Duration.ZERO).after(account, Mode.TEST, delivered.getLast(), null, 100))
                .isInstanceOfSatisfying(dev.msgbubbles.common.ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(dev.msgbubbles.common.ErrorCode.CURSOR_EXPIRED);
                    assertThat(e.param()).contains("after");
                });
        assertThat(new Events(db, Duration.ZERO).after(account, Mode.TEST, 0, null, 100).events()).extracting(Event::id)
                .containsExactlyElementsOf(kept);
    }
}
