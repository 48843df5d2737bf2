package dev.msgbubbles.message;

import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.account.Principal;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.attachment.Attachments;
import dev.msgbubbles.channel.Channel;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.idempotency.IdempotencyStore;
import dev.msgbubbles.queue.JobQueue;
import dev.msgbubbles.queue.Worker;
import dev.msgbubbles.support.TestStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The messaging feature without HTTP, on a store the test opened, with a scripted backend: one account whose test
 * number {@value #NUMBER} has {@code channels}, and its principal. For tests that drive use cases and the send job
 * by hand ({@link #worker}). The feature's metrics go to {@code registry}.
 */
record MessagingRig(Database db, Clock clock, Messaging messaging, JobQueue queue, Principal principal,
                    MeterRegistry registry) {
    static final String NUMBER = "+18005550123";

    static MessagingRig start(Database db, Clock clock, Channel backend, Set<ChannelType> channels, Attachments attachments,
                              Duration retryWindow) {
        return start(db, clock, backend, channels, attachments, retryWindow, 0);
    }

    /** As above, the rig's (sandbox) number paced at {@code perMinute} (0: unpaced). */
    static MessagingRig start(Database db, Clock clock, Channel backend, Set<ChannelType> channels, Attachments attachments,
                              Duration retryWindow, int perMinute) {
        NumberDirectory numbers = new NumberDirectory(db, clock);
        CreatedAccount account = new AccountAdmin(db, clock).create("rig-" + UUID.randomUUID());
        numbers.add(new NumberDirectory.NewNumber(account.account().id(), NUMBER, channels, Mode.TEST, Provider.SANDBOX, null));
        JobQueue queue = new JobQueue(db);
        MeterRegistry registry = new SimpleMeterRegistry();
        Messaging messaging = new Messaging(new Messaging.Dependencies(db, db, clock, numbers,
                new IdempotencyStore(clock, Duration.ofHours(72)), queue, new ChannelRouter(backend, Map.of()),
                new EventLog(EventLog.Fanout.NONE), attachments), new Messaging.Policy(retryWindow, 0, perMinute),
                registry);
        return new MessagingRig(db, clock, messaging, queue, new Principal(account.account().id(), Mode.TEST,
                account.testKey().id()), registry);
    }

    /** What a test does with a rig on a store it opened. */
    interface Body {
        void run(Database db, MessagingRig rig);
    }

    /**
     * Opens {@code store}, starts a rig on it with a {@link RecordingChannel} backend and {@code channels}, runs
     * {@code body}, and closes the store.
     */
    static void with(TestStore store, Clock clock, Set<ChannelType> channels, Body body) {
        try (TestStore test = store; Database db = test.open()) {
            body.run(db, start(db, clock, new RecordingChannel(), channels, null, Duration.ofHours(1)));
        }
    }

    /** A worker over the rig's jobs, not started: call {@link Worker#drain} to run what is due. */
    Worker worker() {
        return new Worker(db, queue, messaging.jobHandlers(), clock,
                new Worker.Settings(8, Duration.ofSeconds(30), Duration.ofMillis(50)));
    }

    /** Runs every job due now. */
    void drain() {
        try (Worker worker = worker()) {
            worker.drain();
        }
    }
}
