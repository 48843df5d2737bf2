package dev.msgbubbles.message;

import dev.msgbubbles.channel.SendResult;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.queue.Job;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import java.time.Instant;
import java.util.UUID;

/** Applies a delivery or read receipt that came due (job kind {@value #KIND}; payload: the receipt). */
final class ReceiptJob implements JobHandler {
    static final String KIND = "message_receipt";

    private final Database db;
    private final JobQueue queue;
    private final Lifecycle lifecycle;

    ReceiptJob(Database db, JobQueue queue, Lifecycle lifecycle) {
        this.db = db;
        this.queue = queue;
        this.lifecycle = lifecycle;
    }

    @Override
    public void handle(Job job, Instant now) {
        UUID id = UUID.fromString(job.subject());
        SendResult.Receipt receipt = SendResult.Receipt.valueOf(job.payload());
        db.writeVoid(tx -> {
            switch (receipt) {
                case DELIVERED -> lifecycle.delivered(tx, id, now);
                case READ -> lifecycle.read(tx, id, now);
            }
            queue.complete(tx, job);
        });
    }
}
