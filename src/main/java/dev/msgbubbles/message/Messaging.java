package dev.msgbubbles.message;

import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.idempotency.IdempotencyStore;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The messaging feature as the composition root sees it: its use cases and the job handlers the worker must
 * run. Built once; holds no state of its own.
 */
public final class Messaging {
    private final SendMessage send;
    private final Messages messages;
    private final Map<String, JobHandler> handlers;

    /** What messaging needs from the rest of the server. */
    public record Dependencies(Database db, Clock clock, NumberDirectory numbers, IdempotencyStore idempotency,
                               JobQueue queue, ChannelRouter router) {
    }

    public Messaging(Dependencies d, Duration retryWindow) {
        Lifecycle lifecycle = new Lifecycle(new MessageStore(), new EventLog());
        this.messages = new Messages(d.db(), d.clock());
        this.send = new SendMessage(d.db(), d.clock(), messages, d.numbers(), d.idempotency(), d.queue(), lifecycle);
        this.handlers = Map.of(
                SendJob.KIND, new SendJob(d.db(), d.queue(), lifecycle, d.numbers(), d.router(), retryWindow),
                ReceiptJob.KIND, new ReceiptJob(d.db(), d.queue(), lifecycle));
    }

    public SendMessage send() {
        return send;
    }

    public Messages messages() {
        return messages;
    }

    public Map<String, JobHandler> jobHandlers() {
        return handlers;
    }
}
