package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.channel.SendResult;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.queue.Worker;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * A paced send whose run threw after its booking held (a connector bug: the worker retries it after a backoff) has
 * not sent in its slot: its retry books a slot of its own, as one the backend put off does, rather than go on the old
 * booking whenever it comes back, beside the send that has the slot then.
 *
 * <p>And a paced send's retry window counts from when it could first go out, its first booked slot, not from its
 * acceptance: waiting for its slot is not waiting for an offline number or a failing backend. (It counted from the
 * acceptance, so a bulk send with more than a window's backlog failed its later messages at their slots, at the first
 * "try later" or offline moment, without a single retry.) The slots it books for its retries do not move the start
 * again, or a backend that keeps saying "try later" would never let it fail.
 */
abstract class PacedFailureContract {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    abstract TestStore newStore();

    /**
     * Accepts every send but the first of {@code throwsOnce}, and those of {@code putOff} while it counts tries left
     * ("try later in 1 s"); notes when each accepted one went, and when each put off one was tried.
     */
    private final class Backend extends RecordingChannel {
        final Map<UUID, Instant> sent = new ConcurrentHashMap<>();
        final Map<UUID, Integer> putOff = new ConcurrentHashMap<>();
        final Map<UUID, List<Instant>> putOffAt = new ConcurrentHashMap<>();
        volatile UUID throwsOnce;

        @Override
        public SendResult send(OutboundMessage message) {
            if (message.messageId().equals(throwsOnce)) {
                throwsOnce = null;
                throw new IllegalStateException("connector bug");
            }
            if (putOff.getOrDefault(message.messageId(), 0) > 0) {
                putOff.merge(message.messageId(), -1, Integer::sum);
                putOffAt.computeIfAbsent(message.messageId(), id -> new java.util.concurrent.CopyOnWriteArrayList<>())
                        .add(clock.instant());
                return new SendResult.RetryLater("backend unavailable", Duration.ofSeconds(1));
            }
            sent.put(message.messageId(), clock.instant());
            return super.send(message);
        }
    }

    private UUID send(MessagingRig rig, String to) {
        return rig.messaging().send().send(new SendMessage.Command(rig.principal(), null, null, to,
                MessagingRig.NUMBER, null, "hello", null, null, null, null, null, null, null)).message().id();
    }

    @Test
    void a_booked_send_that_threw_books_its_retry_anew() {
        Backend backend = new Backend();
        try (TestStore store = newStore(); Database db = store.open()) {
            MessagingRig rig = MessagingRig.start(db, clock, backend, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS),
                    null, Duration.ofHours(1), 60);
            try (Worker worker = rig.worker()) {
                Instant start = clock.instant();
                send(rig, "+14155557001"); // takes the slot at 0 s
                worker.drain();
                UUID broken = send(rig, "+14155557002"); // books 1 s
                backend.throwsOnce = broken;
                worker.drain();
                send(rig, "+14155557003"); // books 2 s
                worker.drain();
                clock.advance(Duration.ofMillis(2500)); // the queue behind: 1.5 s late, it books anew at 3 s
                worker.drain();
                clock.advance(Duration.ofMillis(500)); // its booking made anew holds: it throws, retried after a backoff
                worker.drain();
                assertThat(backend.sent).doesNotContainKey(broken);
                clock.advance(Duration.ofMillis(500));
                UUID meanwhile = send(rig, "+14155557004"); // books the slot at 4 s, when the broken send is back
                worker.drain();
                clock.advance(Duration.ofMillis(500)); // 4 s: the broken send's first backoff (its one try threw) ends
                worker.drain();
                assertThat(backend.sent.get(meanwhile)).isEqualTo(start.plusSeconds(4));
                assertThat(backend.sent).as("it books a slot of its own, after the one booked meanwhile")
                        .doesNotContainKey(broken);
                clock.advance(Duration.ofSeconds(1));
                worker.drain();
                assertThat(backend.sent.get(broken)).isEqualTo(start.plusSeconds(5));
                assertThat(backend.sent).containsKey(broken);
                List<Instant> times = new ArrayList<>(backend.sent.values());
                times.sort(null);
                for (int i = 1; i < times.size(); i++) {
                    assertThat(Duration.between(times.get(i - 1), times.get(i))).as("%s", times)
                            .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
                }
            }
        }
    }

    private static Message message(Database db, UUID id) {
        return db.read(h -> new MessageStore().findById(h, id)).orElseThrow();
    }

    /** A rig paced at one send a minute with a retry window of one minute. */
    private MessagingRig oneAMinute(Database db, Backend backend) {
        return MessagingRig.start(db, clock, backend, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), null,
                Duration.ofMinutes(1), 1);
    }

    /** Three sends of the rig's number, at 0 s: the first takes its slot, the others book 60 s and 120 s. */
    private List<UUID> threeQueued(MessagingRig rig, Worker worker) {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(send(rig, "+1415555710" + i));
            worker.drain();
        }
        return ids;
    }

    private static void assertGaveUp(Message message, String code, Instant at) {
        assertThat(message.status()).isEqualTo(MessageStatus.FAILED);
        assertThat(message.errorCode()).isEqualTo(code);
        assertThat(message.errorMessage()).endsWith("gave up after the retry window");
        assertThat(message.updatedAt()).as("failed at").isEqualTo(at);
    }

    /**
     * The third send's slot is two minutes after its acceptance, past a window of one: the backend putting it off there
     * once retries it (in the next slot), rather than failing it without a try more.
     */
    @Test
    void a_send_put_off_at_a_slot_past_its_acceptances_window_is_retried() {
        Backend backend = new Backend();
        try (TestStore store = newStore(); Database db = store.open()) {
            MessagingRig rig = oneAMinute(db, backend);
            try (Worker worker = rig.worker()) {
                Instant start = clock.instant();
                UUID third = threeQueued(rig, worker).get(2);
                backend.putOff.put(third, 1);
                clock.advance(Duration.ofSeconds(60));
                worker.drain();
                clock.advance(Duration.ofSeconds(60)); // its slot: put off, try again in 1 s
                worker.drain();
                assertThat(backend.putOffAt.get(third)).containsExactly(start.plusSeconds(120));
                assertThat(message(db, third).status()).as("retried, not failed").isEqualTo(MessageStatus.QUEUED);
                clock.advance(Duration.ofSeconds(1)); // books the next slot, at 180 s
                worker.drain();
                clock.advance(Duration.ofSeconds(59));
                worker.drain();
                assertThat(backend.sent.get(third)).isEqualTo(start.plusSeconds(180));
                assertThat(message(db, third).status()).isEqualTo(MessageStatus.SENT);
            }
        }
    }

    /**
     * Put off at every try, the third send fails one window after its first slot (120 s + 60 s), at its try in the slot
     * it booked for its retry: that booking does not start its window again (it would then never fail).
     */
    @Test
    void a_send_put_off_at_every_try_fails_one_window_after_its_first_slot() {
        Backend backend = new Backend();
        try (TestStore store = newStore(); Database db = store.open()) {
            MessagingRig rig = oneAMinute(db, backend);
            try (Worker worker = rig.worker()) {
                Instant start = clock.instant();
                UUID third = threeQueued(rig, worker).get(2);
                backend.putOff.put(third, Integer.MAX_VALUE);
                clock.advance(Duration.ofSeconds(60));
                worker.drain();
                clock.advance(Duration.ofSeconds(60)); // its first slot: put off, try again in 1 s
                worker.drain();
                clock.advance(Duration.ofSeconds(1)); // books the next slot, at 180 s
                worker.drain();
                clock.advance(Duration.ofSeconds(58).plusMillis(999));
                worker.drain();
                assertThat(message(db, third).status()).isEqualTo(MessageStatus.QUEUED);
                clock.advance(Duration.ofMillis(1)); // put off again, its window over
                worker.drain();
                for (int i = 0; i < 4; i++) { // and nothing more, slot after slot
                    clock.advance(Duration.ofSeconds(1));
                    worker.drain();
                    clock.advance(Duration.ofSeconds(59));
                    worker.drain();
                }
                assertThat(backend.putOffAt.get(third)).containsExactly(start.plusSeconds(120), start.plusSeconds(180));
                assertGaveUp(message(db, third), "unavailable", start.plusSeconds(180));
            }
        }
    }

    /**
     * The number offline at the third send's slot: the send is held until one window after that slot (120 s + 60 s),
     * not failed at once for a window counted from its acceptance.
     */
    @Test
    void a_send_whose_number_is_offline_at_its_slot_is_held_one_window_from_that_slot() {
        Backend backend = new Backend();
        try (TestStore store = newStore(); Database db = store.open()) {
            MessagingRig rig = oneAMinute(db, backend);
            try (Worker worker = rig.worker()) {
                Instant start = clock.instant();
                UUID third = threeQueued(rig, worker).get(2);
                clock.advance(Duration.ofSeconds(60));
                worker.drain();
                new NumberDirectory(db, clock).setStatus(MessagingRig.NUMBER, AccountNumber.Status.OFFLINE);
                clock.advance(Duration.ofSeconds(60)); // its slot (the rig's copy of the number has expired): held
                worker.drain();
                assertThat(message(db, third).status()).as("held, not failed").isEqualTo(MessageStatus.QUEUED);
                clock.advance(Duration.ofSeconds(59).plusMillis(999));
                worker.drain();
                assertThat(message(db, third).status()).isEqualTo(MessageStatus.QUEUED);
                clock.advance(Duration.ofMillis(1));
                worker.drain();
                assertThat(backend.sent).doesNotContainKey(third);
                assertGaveUp(message(db, third), "device_offline", start.plusSeconds(180));
            }
        }
    }

    /**
     * A send that took its slot at once keeps its window from its acceptance: the slot it books for its retry, a minute
     * later, is no first slot, so it fails there (0 s + 60 s) at its next "try later".
     */
    @Test
    void a_send_that_took_its_slot_at_once_keeps_its_window_from_its_acceptance() {
        Backend backend = new Backend();
        try (TestStore store = newStore(); Database db = store.open()) {
            MessagingRig rig = oneAMinute(db, backend);
            try (Worker worker = rig.worker()) {
                Instant start = clock.instant();
                UUID first = send(rig, "+14155557200");
                backend.putOff.put(first, Integer.MAX_VALUE);
                worker.drain(); // its slot, at once: put off
                clock.advance(Duration.ofSeconds(1)); // books the next slot, at 60 s
                worker.drain();
                clock.advance(Duration.ofSeconds(59));
                worker.drain();
                assertThat(backend.putOffAt.get(first)).containsExactly(start, start.plusSeconds(60));
                assertGaveUp(message(db, first), "unavailable", start.plusSeconds(60));
            }
        }
    }

    /**
     * As above when the run that took its slot at once threw (a connector bug): the worker's retry, a second later,
     * books the slot at 60 s, which is no first slot either, so the send fails there at its "try later".
     */
    @Test
    void a_send_that_threw_in_the_slot_it_took_at_once_keeps_its_window_from_its_acceptance() {
        Backend backend = new Backend();
        try (TestStore store = newStore(); Database db = store.open()) {
            MessagingRig rig = oneAMinute(db, backend);
            try (Worker worker = rig.worker()) {
                Instant start = clock.instant();
                UUID first = send(rig, "+14155557250");
                backend.throwsOnce = first;
                backend.putOff.put(first, Integer.MAX_VALUE);
                worker.drain(); // its slot, at once: throws; retried after 1 s
                clock.advance(Duration.ofSeconds(1)); // books the next slot, at 60 s
                worker.drain();
                clock.advance(Duration.ofSeconds(59));
                worker.drain();
                assertThat(backend.putOffAt.get(first)).containsExactly(start.plusSeconds(60));
                assertGaveUp(message(db, first), "unavailable", start.plusSeconds(60));
            }
        }
    }

    /**
     * The hole in "from its first slot": a send held for its offline number before it ever had a slot has used part of
     * its window holding; when the number is back and it books a slot far ahead, the wait for that slot does not count
     * but the hold does. Held 30 s, its slot booked 150 s after acceptance (120 s after the number came back), so its
     * window ends 60 s + 120 s after acceptance, at 180 s: not at 60 s (counted from the acceptance, it would fail at
     * its slot), nor at 210 s (counted from its slot, which would give it a second window of holding).
     */
    @Test
    void a_send_held_before_its_first_slot_counts_the_hold_but_not_the_wait_for_the_slot() {
        Backend backend = new Backend();
        try (TestStore store = newStore(); Database db = store.open()) {
            MessagingRig rig = oneAMinute(db, backend);
            NumberDirectory numbers = new NumberDirectory(db, clock);
            numbers.setStatus(MessagingRig.NUMBER, AccountNumber.Status.OFFLINE);
            // one job a claim: the sends book one after another (side by side on PostgreSQL, one could find the
            // number's row held by another's booking and come back 100 ms later, which this clock makes a minute)
            try (Worker worker = new Worker(db, rig.queue(), rig.messaging().jobHandlers(), clock,
                    new Worker.Settings(1, Duration.ofSeconds(30), Duration.ofMillis(50)))) {
                Instant start = clock.instant();
                List<UUID> ids = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    ids.add(send(rig, "+1415555730" + i));
                }
                worker.drain(); // all held: recheck at 30 s
                numbers.setStatus(MessagingRig.NUMBER, AccountNumber.Status.ONLINE);
                clock.advance(SendJob.OFFLINE_RECHECK); // one takes the slot at 30 s, the others book 90 s and 150 s
                worker.drain();
                clock.advance(Duration.ofSeconds(60));
                worker.drain();
                List<UUID> queued = ids.stream().filter(id -> message(db, id).status() == MessageStatus.QUEUED).toList();
                assertThat(queued).containsExactly(ids.get(2));
                UUID last = ids.get(2);
                clock.advance(Duration.ofSeconds(50));
                numbers.setStatus(MessagingRig.NUMBER, AccountNumber.Status.OFFLINE);
                clock.advance(Duration.ofSeconds(10)); // its slot, at 150 s: held again
                worker.drain();
                assertThat(message(db, last).status()).as("held, not failed").isEqualTo(MessageStatus.QUEUED);
                clock.advance(Duration.ofSeconds(29).plusMillis(999));
                worker.drain();
                assertThat(message(db, last).status()).isEqualTo(MessageStatus.QUEUED);
                clock.advance(Duration.ofMillis(1));
                worker.drain();
                assertGaveUp(message(db, last), "device_offline", start.plusSeconds(180));
            }
        }
    }
}
