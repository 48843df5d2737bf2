package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.channel.ActionResult;
import dev.msgbubbles.channel.ChatAction;
import dev.msgbubbles.chat.ChatView;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.idempotency.IdempotencyStore;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.PgLocks;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Two server processes changing one group at once on PostgreSQL (here two {@link Messaging} instances on one store,
 * each with its own in-process serialisation, as two processes have). A change is checked against the group as it
 * is (members, size) and then made by the network: without a lock across processes, both changes pass their checks
 * against the same members and the group ends up with fewer than two members besides us.
 */
class GroupChangeRaceIT {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));

    /** Accepts everything; the first removal waits in the backend until {@link #release} is counted down. */
    private static final class SlowRemoval extends RecordingChannel {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final AtomicBoolean first = new AtomicBoolean(true);

        @Override
        public ActionResult control(ChatAction action) {
            ActionResult result = super.control(action);
            if (action instanceof ChatAction.RemoveParticipant && first.getAndSet(false)) {
                entered.countDown();
                PgLocks.await(release);
            }
            return result;
        }
    }

    @Test
    void two_processes_removing_members_at_once_never_leave_a_group_below_two_members() {
        SlowRemoval backend = new SlowRemoval();
        // the probe of who waits on a lock has a pool of its own: the rig's may be taken by the two operations
        try (TestStore store = TestStore.postgres("grouprace"); Database db = store.open(); Database probe = store.open()) {
            MessagingRig rig = MessagingRig.start(db, clock, backend, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), null,
                    Duration.ofHours(1));
            Messaging other = new Messaging(new Messaging.Dependencies(db, db, clock, new NumberDirectory(db, clock),
                    new IdempotencyStore(clock, Duration.ofHours(72)), rig.queue(), new ChannelRouter(backend, Map.of()),
                    new EventLog(EventLog.Fanout.NONE), null), new Messaging.Policy(Duration.ofHours(1), 0, 0), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            ChatView group = rig.messaging().groups().create(new GroupChats.Create(rig.principal(), null, null,
                    MessagingRig.NUMBER, List.of("+14155550001", "+14155550002", "+14155550003"), "hello", null)).chat();
            rig.drain(); // the network takes the first message: the group is established

            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                CompletableFuture<Object> first = CompletableFuture.supplyAsync(() -> outcome(() -> rig.messaging().groups()
                        .removeParticipant(rig.principal(), group.id(), "+14155550001")), threads);
                PgLocks.await(backend.entered);
                CompletableFuture<Object> second = CompletableFuture.supplyAsync(() -> outcome(() -> other.groups()
                        .removeParticipant(rig.principal(), group.id(), "+14155550002")), threads);
                // the second either waits for the first's lock (fixed) or has already answered (checked without it)
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!second.isDone() && PgLocks.waiting(probe) == 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                backend.release.countDown();
                Object firstAnswer = first.join();
                Object secondAnswer = second.join();

                assertThat(firstAnswer).isInstanceOf(ChatView.class);
                assertThat(secondAnswer).as("a removal checked against members another process was removing")
                        .isInstanceOf(ApiException.class);
                assertThat(((ApiException) secondAnswer).code()).isEqualTo(ErrorCode.CONFLICT);
            } finally {
                threads.shutdownNow();
            }
            assertThat(new dev.msgbubbles.chat.Chats(db, clock).get(rig.principal().accountId(), rig.principal().mode(),
                    group.id()).participants())
                    .containsExactly("+14155550002", "+14155550003");
            assertThat(backend.asked).filteredOn(ChatAction.RemoveParticipant.class::isInstance).hasSize(1);
            assertThat(dev.msgbubbles.support.StoredEvents.count(db, "chat.participant_removed")).isEqualTo(1);
        }
    }

    private static Object outcome(java.util.function.Supplier<ChatView> operation) {
        try {
            return operation.get();
        } catch (ApiException e) {
            return e;
        }
    }
}
