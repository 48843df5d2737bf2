package dev.msgbubbles.webhook;

import dev.msgbubbles.common.Handoff;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Sql;
import dev.msgbubbles.event.Event;
import dev.msgbubbles.event.EventLog;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Deliveries this process's fan-out has just written, each with the event it carries, handed to its courier (a
 * {@link Handoff}) once their transaction commits, so that the courier does not read back the deliveries and the event
 * rows written a moment before (under the webhook load on PostgreSQL those two reads were about a tenth of the
 * database's sampled statement time; {@code auto_explain}, by hand). They are handed over as
 * {@link DeliveryStore#loadAll} would read them: pending, never attempted, times to the millisecond. Nothing changes a
 * pending delivery before its first attempt, which is the only taker (a retry reads the row: the first attempt may have
 * been made by another process); the endpoint is still read fresh for each batch.
 */
final class NewDeliveries {
    /** Room for a few seconds of deliveries at the rates measured here. */
    static final int CAPACITY = 16_384;

    private final Handoff<DeliveryStore.Loaded> handoff = new Handoff<>(CAPACITY);

    /**
     * Hands over {@code deliveries}, each with the event at the same position of {@code events} (as {@link #stored}
     * made it), once {@code tx} commits.
     */
    void afterCommit(Handle tx, List<Delivery> deliveries, List<Event> events) {
        if (deliveries.isEmpty()) {
            return;
        }
        Database.afterCommit(tx, "hand over new deliveries " + deliveries.getFirst().id(), () -> {
            for (int i = 0; i < deliveries.size(); i++) {
                Delivery d = asStored(deliveries.get(i));
                handoff.put(d.id(), new DeliveryStore.Loaded(d, Optional.of(events.get(i))));
            }
        });
    }

    /** The delivery written with {@code id}, with its event, removed: each is taken at most once. Null when none is here. */
    DeliveryStore.Loaded take(UUID id) {
        return handoff.take(id);
    }

    int size() {
        return handoff.size();
    }

    /** {@code d} as a read of its row returns it (times to the millisecond, {@link Sql#stored}). */
    static Delivery asStored(Delivery d) {
        return new Delivery(d.id(), d.webhookId(), d.accountId(), d.mode(), d.eventId(), d.eventCursor(), d.eventType(),
                d.payload(), d.status(), d.attempts(), d.retryStep(), Sql.stored(d.nextAttemptAt()), d.lastStatusCode(),
                d.lastError(), Sql.stored(d.createdAt()), Sql.stored(d.updatedAt()));
    }

    /** An appended event as a read of the events table returns it (its time to the millisecond). */
    static Event stored(EventLog.Appended appended) {
        EventLog.Pending e = appended.event();
        return new Event(appended.cursor(), e.id(), e.accountId(), e.mode(), e.type(), e.conversationId(), e.payload(),
                Sql.stored(e.createdAt()));
    }
}
