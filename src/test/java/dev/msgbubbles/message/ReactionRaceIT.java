package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.PgLocks;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A reaction beside an unsend of the same message on PostgreSQL, where two write transactions run side by side (on
 * SQLite one writer serializes them). The reaction writes nothing on the message, so only a lock on its row keeps it
 * from reading the message as delivered while an unsend is about to commit, and reacting to an unsent message.
 */
class ReactionRaceIT {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));

    @Test
    void a_reaction_waits_for_an_unsend_under_way_and_is_refused_once_it_has_committed() {
        // the probe of who waits on a lock has a pool of its own: the rig's may be taken by the two transactions
        try (TestStore store = TestStore.postgres("reactrace"); Database db = store.open(); Database probe = store.open()) {
            MessagingRig rig = MessagingRig.start(db, clock, new RecordingChannel(),
                    EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), null, Duration.ofHours(1));
            MessageView sent = rig.messaging().send().send(new SendMessage.Command(rig.principal(), null, null,
                    "+14155550009", MessagingRig.NUMBER, null, "hello", null, null, null, null, null, null, null)).message();
            rig.drain();
            Lifecycle lifecycle = new Lifecycle(new MessageStore(), new EventLog(EventLog.Fanout.NONE));
            boolean delivered = db.write(tx -> lifecycle.delivered(tx, sent.id(), clock.instant()));
            assertThat(delivered).isTrue();

            CountDownLatch unsentUncommitted = new CountDownLatch(1);
            CountDownLatch commit = new CountDownLatch(1);
            // threads of their own: the common pool may have a single thread, which the unsend would hold
            var threads = java.util.concurrent.Executors.newFixedThreadPool(2);
            CompletableFuture<Void> unsend = CompletableFuture.runAsync(() -> db.writeVoid(tx -> {
                assertThat(lifecycle.unsent(tx, sent.id(), clock.instant())).isTrue();
                unsentUncommitted.countDown();
                PgLocks.await(commit);
            }), threads);
            PgLocks.await(unsentUncommitted);
            CompletableFuture<Object> react = CompletableFuture.supplyAsync(() -> {
                try {
                    return rig.messaging().actions().react(rig.principal(), sent.id(), "love", false);
                } catch (ApiException e) {
                    return e;
                }
            }, threads);
            // the reaction either waits for the unsend's lock (fixed) or has already answered (read without it)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!react.isDone() && PgLocks.waiting(probe) == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            commit.countDown();
            unsend.join();
            Object answer = react.join();
            threads.shutdown();
            assertThat(answer).as("a reaction to a message unsent before it committed").isInstanceOf(ApiException.class);
            assertThat(((ApiException) answer).code()).isEqualTo(ErrorCode.CONFLICT);
            long actions = db.read(h -> h.createQuery("SELECT COUNT(*) FROM jobs WHERE kind = '" + ActionJob.KIND + "'")
                    .mapTo(Long.class).one());
            assertThat(actions).as("reactions for the backend").isZero(); // the unsend here is the lifecycle's alone
            assertThat(dev.msgbubbles.support.StoredEvents.count(db, "message.reaction")).isZero();
        }
    }
}
