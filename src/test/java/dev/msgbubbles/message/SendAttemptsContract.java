package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.channel.SendResult;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.StoreUnavailable;
import dev.msgbubbles.queue.Worker;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The attempt number a send hands its backend ({@link OutboundMessage#attempt}) counts the times the backend was
 * handed the message: 1, 2, 3 across its real tries, whatever the send did in between without trying (held for its
 * offline number, waiting for its number's slot). The worker's backoff after a try that threw counts the tries too.
 * Claims used to count, so a send held for a few rechecks reached its backend at attempt 4 or 5, and a throw after an
 * hour held got the worker's longest backoff at once.
 */
abstract class SendAttemptsContract {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    abstract TestStore newStore();

    /** Records the attempt number of every try of each message; the first tries of one throw or ask to retry later. */
    private static final class Backend extends RecordingChannel {
        final Map<UUID, List<Integer>> tries = new ConcurrentHashMap<>();
        volatile UUID throwsFirst;
        volatile UUID unavailableTwice;
        /** A send that meets an outage once, after its backend had it (as when recording the answer). */
        volatile UUID outageAfter;
        /** A recipient whose first send meets an outage before the backend has it (as when reading the number). */
        volatile String outageBefore;

        @Override
        public boolean onIMessage(String handle) {
            if (handle.equals(outageBefore)) {
                outageBefore = null;
                throw new StoreUnavailable("the store is down", null);
            }
            return super.onIMessage(handle);
        }

        @Override
        public SendResult send(OutboundMessage message) {
            List<Integer> mine = tries.computeIfAbsent(message.messageId(), id -> new CopyOnWriteArrayList<>());
            mine.add(message.attempt());
            if (message.messageId().equals(outageAfter) && mine.size() == 1) {
                throw new StoreUnavailable("the store is down", null);
            }
            if (message.messageId().equals(throwsFirst) && mine.size() == 1) {
                throw new IllegalStateException("connector bug");
            }
            if (message.messageId().equals(unavailableTwice) && mine.size() <= 2) {
                return new SendResult.RetryLater("backend unavailable", Duration.ofSeconds(1));
            }
            return super.send(message);
        }
    }

    private static UUID send(MessagingRig rig, String to) {
        return rig.messaging().send().send(new SendMessage.Command(rig.principal(), null, null, to,
                MessagingRig.NUMBER, null, "hello", null, null, null, null, null, null, null)).message().id();
    }

    private static MessageStatus status(Database db, UUID id) {
        return db.read(h -> new MessageStore().findById(h, id)).orElseThrow().status();
    }

    private MessagingRig rig(Database db, Backend backend, int perMinute) {
        return MessagingRig.start(db, clock, backend, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), null,
                Duration.ofHours(1), perMinute);
    }

    /**
     * Runs the sends held for the rig's offline number, and {@code rechecks} rechecks of them, then sets the number
     * online and moves the clock to the next recheck (past the rig's cached copy of the number).
     */
    private void heldThenOnline(Database db, Worker worker, int rechecks) {
        worker.drain(); // held
        for (int i = 0; i < rechecks; i++) {
            clock.advance(SendJob.OFFLINE_RECHECK);
            worker.drain();
        }
        new NumberDirectory(db, clock).setStatus(MessagingRig.NUMBER, AccountNumber.Status.ONLINE);
        clock.advance(SendJob.OFFLINE_RECHECK); // the rig's copy of the number has expired; the next recheck is due
    }

    @Test
    void a_send_held_for_its_offline_number_hands_its_backend_attempts_1_2_3() {
        Backend backend = new Backend();
        try (TestStore store = newStore(); Database db = store.open()) {
            MessagingRig rig = rig(db, backend, 0);
            new NumberDirectory(db, clock).setStatus(MessagingRig.NUMBER, AccountNumber.Status.OFFLINE);
            UUID id = send(rig, "+14155558001");
            backend.unavailableTwice = id;
            try (Worker worker = rig.worker()) {
                heldThenOnline(db, worker, 4);
                worker.drain();
                assertThat(backend.tries.get(id)).as("the first try").containsExactly(1);
                clock.advance(Duration.ofSeconds(1));
                worker.drain();
                clock.advance(Duration.ofSeconds(1));
                worker.drain();
            }
            assertThat(backend.tries.get(id)).containsExactly(1, 2, 3);
            assertThat(status(db, id)).isEqualTo(MessageStatus.SENT);
        }
    }

    /**
     * From a number paced at one a second: the send waits for a slot before its first try and again before its third
     * (another send booked the slot after its second), and its backend sees 1, 2, 3.
     */
    @Test
    void a_paced_send_hands_its_backend_attempts_1_2_3() {
        Backend backend = new Backend();
        try (TestStore store = newStore(); Database db = store.open()) {
            MessagingRig rig = rig(db, backend, 60);
            UUID flaky;
            try (Worker worker = rig.worker()) {
                send(rig, "+14155558101"); // the slot at 0 s
                worker.drain();
                flaky = send(rig, "+14155558102"); // books 1 s
                backend.unavailableTwice = flaky;
                worker.drain();
                clock.advance(Duration.ofSeconds(1)); // its first try: retry in 1 s
                worker.drain();
                UUID other = send(rig, "+14155558103"); // takes the slot at 2 s
                worker.drain();
                clock.advance(Duration.ofSeconds(1)); // the flaky send waits: it books 3 s
                worker.drain();
                assertThat(backend.tries.get(flaky)).containsExactly(1);
                assertThat(backend.tries.get(other)).containsExactly(1);
                for (int i = 0; i < 3; i++) {
                    clock.advance(Duration.ofSeconds(1));
                    worker.drain();
                }
            }
            assertThat(backend.tries.get(flaky)).containsExactly(1, 2, 3);
            assertThat(status(db, flaky)).isEqualTo(MessageStatus.SENT);
        }
    }

    /**
     * A first try that throws after the send was held for its offline number: the worker retries it after its first
     * backoff, one second, not after the backoff of as many failures as the send had rechecks.
     */
    @Test
    void a_send_that_throws_after_being_held_is_retried_after_one_second() {
        Backend backend = new Backend();
        try (TestStore store = newStore(); Database db = store.open()) {
            MessagingRig rig = rig(db, backend, 0);
            new NumberDirectory(db, clock).setStatus(MessagingRig.NUMBER, AccountNumber.Status.OFFLINE);
            UUID id = send(rig, "+14155558201");
            backend.throwsFirst = id;
            try (Worker worker = rig.worker()) {
                heldThenOnline(db, worker, 4);
                worker.drain();
                assertThat(backend.tries.get(id)).containsExactly(1);
                clock.advance(Duration.ofMillis(999));
                worker.drain();
                assertThat(backend.tries.get(id)).containsExactly(1);
                clock.advance(Duration.ofMillis(1));
                worker.drain();
            }
            assertThat(backend.tries.get(id)).containsExactly(1, 2);
            assertThat(status(db, id)).isEqualTo(MessageStatus.SENT);
        }
    }

    /**
     * A run that an outage ends before the backend has the message is no attempt: the next try is still the first, a
     * second later. One that it ends after the backend had it was one: the next try is the second.
     */
    @Test
    void an_outage_before_the_backend_has_the_message_is_no_attempt_and_one_after_is_one() {
        Backend backend = new Backend();
        try (TestStore store = newStore(); Database db = store.open()) {
            MessagingRig rig = rig(db, backend, 0);
            UUID before = send(rig, "+14155558301");
            UUID after = send(rig, "+14155558302");
            backend.outageBefore = "+14155558301";
            backend.outageAfter = after;
            try (Worker worker = rig.worker()) {
                worker.drain();
                assertThat(backend.tries).doesNotContainKey(before);
                assertThat(backend.tries.get(after)).containsExactly(1);
                clock.advance(Duration.ofSeconds(1));
                worker.drain();
            }
            assertThat(backend.tries.get(before)).containsExactly(1);
            assertThat(backend.tries.get(after)).containsExactly(1, 2);
            assertThat(status(db, before)).isEqualTo(MessageStatus.SENT);
            assertThat(status(db, after)).isEqualTo(MessageStatus.SENT);
        }
    }
}
