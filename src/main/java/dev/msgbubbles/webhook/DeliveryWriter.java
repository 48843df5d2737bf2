package dev.msgbubbles.webhook;

import dev.msgbubbles.common.Ids;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.queue.JobQueue;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Writes the deliveries endpoints are owed, each with the job of its first attempt (in its endpoint's lane for the
 * conversation), in a few multi-row statements of the caller's transaction, and wakes the delivery worker once that
 * transaction commits. The fan-out of new events and replays of old ones both write through it.
 */
final class DeliveryWriter {
    /** One event owed to one endpoint. */
    record Owed(UUID webhookId, UUID accountId, Mode mode, String eventId, long eventCursor, String eventType,
                UUID conversationId) {
    }

    private final Clock clock;
    private final JobQueue queue;
    private final Runnable wake;
    private final DeliveryStore deliveries = new DeliveryStore();

    DeliveryWriter(Clock clock, JobQueue queue, Runnable wake) {
        this.clock = clock;
        this.queue = queue;
        this.wake = wake;
    }

    /** Writes {@code owed} in list order (so in lane order), created and due at {@code at}. */
    void write(Handle tx, List<Owed> owed, Instant at) {
        if (!insert(tx, owed, at).isEmpty()) {
            wakeAfterCommit(tx);
        }
    }

    /** Wakes the delivery worker once {@code tx} commits. */
    void wakeAfterCommit(Handle tx) {
        Database.afterCommit(tx, "wake webhook deliveries", wake);
    }

    /**
     * Like {@link #write} without waking the worker (the caller does, after whatever else it must do at the commit
     * first); returns the deliveries, in list order.
     */
    List<Delivery> insert(Handle tx, List<Owed> owed, Instant at) {
        if (owed.isEmpty()) {
            return List.of();
        }
        List<Delivery> created = new ArrayList<>(owed.size());
        List<JobQueue.NewJob> jobs = new ArrayList<>(owed.size());
        for (Owed o : owed) {
            Delivery d = Delivery.pending(Ids.uuidV7(clock), o.webhookId(), o.accountId(), o.mode(), o.eventId(),
                    o.eventCursor(), o.eventType(), null, at);
            created.add(d);
            jobs.add(DeliveryJob.first(d, o.conversationId()));
        }
        deliveries.insertAll(tx, created);
        queue.enqueueAll(tx, jobs, at);
        return created;
    }
}
