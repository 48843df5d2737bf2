package dev.msgbubbles.message;

import dev.msgbubbles.account.Principal;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.queue.JobQueue;
import java.time.Clock;
import java.util.UUID;

/** {@code DELETE /v1/messages/:id}: cancels a scheduled message (status {@code canceled}); 409 otherwise. */
public final class CancelMessage {
    private final Database db;
    private final Clock clock;
    private final JobQueue queue;
    private final Lifecycle lifecycle;
    private final Messages messages;
    private final MessageStore store = new MessageStore();

    CancelMessage(Database db, Clock clock, JobQueue queue, Lifecycle lifecycle, Messages messages) {
        this.db = db;
        this.clock = clock;
        this.queue = queue;
        this.lifecycle = lifecycle;
        this.messages = messages;
    }

    public MessageView cancel(Principal p, UUID id) {
        db.writeVoid(tx -> {
            Message message = store.find(tx, p.accountId(), p.mode(), id).orElseThrow(() -> ApiException.notFound("message"));
            if (!lifecycle.canceled(tx, id, clock.instant())) {
                throw new ApiException(ErrorCode.CONFLICT, "only a scheduled message can be cancelled; this one is "
                        + message.status().wire());
            }
            if (queue.cancel(tx, SendJob.KIND, id.toString(), message.conversationId().toString()) == 0) {
                // a worker claimed the send job: the message may be reaching the backend right now, or may have reached
                // it before that worker died (an expired lease says nothing about which); rolls back
                throw new ApiException(ErrorCode.CONFLICT, "this message is being sent right now and can no longer be cancelled");
            }
        });
        return messages.get(p, id, false);
    }
}
