package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.queue.Job;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.PgLocks;
import dev.msgbubbles.support.StoredEvents;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A contact's reply and like beside an unsend of the message they answer, on PostgreSQL, where two write transactions
 * run side by side (on SQLite one writer serializes them). Neither writes anything on the message, so only a lock on
 * its row keeps the follow-up from reading it as carried while an unsend is about to commit: the contact would then
 * echo and like a message that is gone from their device (as a reaction of ours to it is refused: ReactionRaceIT).
 */
@Timeout(60)
class FollowUpRaceIT {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));

    @Test
    void a_reply_and_like_wait_for_an_unsend_under_way_and_do_not_happen_once_it_has_committed() {
        try (TestStore store = TestStore.postgres("followuprace"); Database db = store.open(); Database probe = store.open()) {
            MessagingRig rig = MessagingRig.start(db, clock, new FollowUpOrderIT.Chatty(), EnumSet.of(ChannelType.IMESSAGE),
                    null, Duration.ofHours(1));
            MessageView sent = rig.messaging().send().send(new SendMessage.Command(rig.principal(), null, null,
                    "+14155550777", MessagingRig.NUMBER, null, "ping", null, null, null, null, null, null, null)).message();
            rig.drain(); // the send; the contact's typing, reply and like are one job, due a second later
            clock.advance(Duration.ofSeconds(1));
            List<Job> due = db.write(tx -> rig.queue().claim(tx, "test", 100, clock.instant(), Duration.ofMinutes(1)));
            assertThat(due).extracting(Job::kind).containsExactly(FollowUpJob.KIND);
            Lifecycle lifecycle = new Lifecycle(new MessageStore(), new EventLog(EventLog.Fanout.NONE));

            CountDownLatch unsentUncommitted = new CountDownLatch(1);
            CountDownLatch commit = new CountDownLatch(1);
            var threads = java.util.concurrent.Executors.newFixedThreadPool(2);
            CompletableFuture<Void> unsend = CompletableFuture.runAsync(() -> db.writeVoid(tx -> {
                assertThat(lifecycle.unsent(tx, sent.id(), clock.instant())).isTrue();
                unsentUncommitted.countDown();
                PgLocks.await(commit);
            }), threads);
            PgLocks.await(unsentUncommitted);
            CompletableFuture<Void> followUp = CompletableFuture.runAsync(() ->
                    rig.messaging().jobHandlers().get(FollowUpJob.KIND).handle(due.getFirst(), clock.instant()), threads);
            // the follow-up either waits for the unsend's lock (fixed) or has already committed (read without it)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!followUp.isDone() && PgLocks.waiting(probe) == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            commit.countDown();
            unsend.join();
            followUp.join();
            threads.shutdown();
            assertThat(StoredEvents.count(db, "message.received")).as("an echo of a message unsent before it").isZero();
            assertThat(StoredEvents.count(db, "message.reaction")).as("a like of a message unsent before it").isZero();
            assertThat(StoredEvents.count(db, "conversation.typing")).as("typing, then no longer").isEqualTo(2);
            long left = db.read(h -> rig.queue().pendingOf(h, FollowUpJob.KIND));
            assertThat(left).isZero();
        }
    }
}
