package dev.msgbubbles.message;

import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.channel.ActionResult;
import dev.msgbubbles.channel.MessageAction;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.queue.Job;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the backend about a reaction, edit or unsend (job kind {@value #KIND}; lane per message, so actions on
 * one message reach the backend in order). A refusal is logged and recorded on the timeline; a transient
 * failure is retried up to {@value #MAX_ATTEMPTS} times. An action whose account was suspended after it was accepted
 * is not carried out (recorded on the timeline as {@code <action>_failed: account_suspended}).
 */
final class ActionJob implements JobHandler {
    static final String KIND = "message_action";
    static final int MAX_ATTEMPTS = 10;
    private static final Logger LOG = LoggerFactory.getLogger(ActionJob.class);

    private final Database db;
    private final JobQueue queue;
    private final NumberDirectory numbers;
    private final ChannelRouter router;
    private final MessageStore store = new MessageStore();

    ActionJob(Database db, JobQueue queue, NumberDirectory numbers, ChannelRouter router) {
        this.db = db;
        this.queue = queue;
        this.numbers = numbers;
        this.router = router;
    }

    @Override
    public void handle(Job job, Instant now) {
        UUID id = UUID.fromString(job.subject());
        var message = db.read(h -> store.findById(h, id));
        // the number the action goes out from: ours, the sender of our own message or the recipient of a contact's (a
        // reaction to a received message); the contact's handle names no number of ours
        var number = message.flatMap(m -> numbers.owned(m.accountId(), m.mode(),
                m.direction() == Message.Direction.OUTBOUND ? m.fromHandle() : m.to()));
        if (message.isEmpty() || number.isEmpty()) {
            db.writeVoid(tx -> queue.complete(tx, job));
            return;
        }
        String[] parts = job.payload().split("\\|", 3);
        if (!numbers.accountActive(message.get().accountId())) {
            // as for its waiting sends (see SendJob): a suspended account's queued actions are not carried out; the
            // timeline says why, and the account can act again once active
            db.writeVoid(tx -> {
                store.addTimeline(tx, id, message.get().status(), message.get().channel(),
                        parts[0] + "_failed: account_suspended", now);
                queue.complete(tx, job);
            });
            return;
        }
        MessageAction action = switch (parts[0]) {
            case "react" -> new MessageAction.React(id, parts[2], parts[1].equals("remove"));
            case "edit" -> new MessageAction.Edit(id, message.get().text());
            case "unsend" -> new MessageAction.Unsend(id);
            default -> throw new IllegalStateException("unknown action " + parts[0]);
        };
        ActionResult result = router.forNumber(number.get()).act(action);
        switch (result) {
            case ActionResult.Done done -> db.writeVoid(tx -> queue.complete(tx, job));
            case ActionResult.Rejected rejected -> db.writeVoid(tx -> {
                LOG.warn("backend refused {} on message {}: {}", parts[0], id, rejected.code());
                store.addTimeline(tx, id, message.get().status(), message.get().channel(),
                        parts[0] + "_failed: " + rejected.code(), now);
                queue.complete(tx, job);
            });
            case ActionResult.RetryLater later -> db.writeVoid(tx -> {
                if (job.attempts() >= MAX_ATTEMPTS) {
                    store.addTimeline(tx, id, message.get().status(), message.get().channel(), parts[0] + "_failed: gave up", now);
                    queue.complete(tx, job);
                } else {
                    queue.reschedule(tx, job, now.plus(later.after()), later.reason());
                }
            });
        }
    }
}
