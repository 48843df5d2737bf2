package dev.msgbubbles.message;

import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.attachment.Attachments;
import dev.msgbubbles.chat.ConversationStore;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Writes;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.idempotency.IdempotencyStore;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The messaging feature as the composition root sees it: its use cases and the job handlers the worker must
 * run. Built once; its one piece of state is the handoff of just-accepted messages from sends to the send worker
 * ({@link AcceptedSends}), a shortcut that a restart loses without losing anything.
 */
public final class Messaging {
    private final SendMessage send;
    private final Messages messages;
    private final CancelMessage cancel;
    private final MessageActions actions;
    private final ReceiveMessage receive;
    private final SandboxContacts sandbox;
    private final Availability availability;
    private final Map<String, JobHandler> handlers;
    private final ChannelRouter router;
    private final GroupChats groups;
    private final ThreadControls controls;
    private final AcceptedSends accepted;

    /**
     * What messaging needs from the rest of the server. {@code writes} carries the hot write paths (sends, send
     * results, receipts): group commit in the server.
     */
    public record Dependencies(Database db, Writes writes, Clock clock, NumberDirectory numbers, IdempotencyStore idempotency,
                               JobQueue queue, ChannelRouter router, EventLog events, Attachments attachments) {
    }

    /** Delivery policy: how long sends may be retried, and the per-number pace (per minute, 0 = unpaced). */
    public record Policy(Duration retryWindow, int pacingPerMinute, int sandboxPacingPerMinute) {
    }

    /** {@code registry} takes the feature's metrics ({@link SendOutcomes}). */
    public Messaging(Dependencies d, Policy policy, MeterRegistry registry) {
        Lifecycle lifecycle = new Lifecycle(new MessageStore(), d.events());
        this.router = d.router();
        this.messages = new Messages(d.db(), d.clock());
        this.accepted = new AcceptedSends(AcceptedSends.CAPACITY);
        this.send = new SendMessage(d, messages, lifecycle, accepted);
        this.cancel = new CancelMessage(d.db(), d.clock(), d.queue(), lifecycle, messages);
        this.availability = new Availability(d.numbers(), d.router());
        this.actions = new MessageActions(d.db(), d.clock(), d.queue(), lifecycle, messages, d.events(),
                d.attachments());
        this.receive = new ReceiveMessage(d.db(), d.writes(), d.clock(), d.events(), d.attachments());
        ThreadOperations operations = new ThreadOperations(d.db(), d.numbers(), d.router(), new ConversationStore(d.clock()));
        this.groups = new GroupChats(d, lifecycle, operations);
        this.controls = new ThreadControls(d.db(), d.clock(), operations);
        this.sandbox = new SandboxContacts(d.numbers(), d.router(), receive, operations, d.attachments());
        FollowUpJob followUps = new FollowUpJob(d.writes(), d.queue(), lifecycle, receive);
        // when this process began sending: a send booked anew whose slot came before was passed over by a downtime
        java.time.Instant started = d.clock().instant();
        this.handlers = Map.of(
                SendJob.KIND, new SendJob(d, lifecycle, accepted, policy.retryWindow(),
                        new SendJob.Pacing(new NumberPacing(d.db(), d.writes(), policy.pacingPerMinute(), started),
                                new NumberPacing(d.db(), d.writes(), policy.sandboxPacingPerMinute(), started)),
                        new SendOutcomes(registry)),
                FollowUpJob.KIND, followUps,
                ActionJob.KIND, new ActionJob(d.db(), d.queue(), d.numbers(), d.router()));
    }

    public SendMessage send() {
        return send;
    }

    public Messages messages() {
        return messages;
    }

    public CancelMessage cancel() {
        return cancel;
    }

    public SandboxContacts sandbox() {
        return sandbox;
    }

    public ReceiveMessage receive() {
        return receive;
    }

    public ChannelRouter router() {
        return router;
    }

    public MessageActions actions() {
        return actions;
    }

    public GroupChats groups() {
        return groups;
    }

    public ThreadControls controls() {
        return controls;
    }

    public Availability availability() {
        return availability;
    }

    /** The handoff from sends to the send worker (for tests in this package). */
    AcceptedSends accepted() {
        return accepted;
    }

    public Map<String, JobHandler> jobHandlers() {
        return handlers;
    }
}
