package dev.msgbubbles.event;

import com.fasterxml.jackson.databind.util.RawValue;
import java.time.Instant;

/**
 * The event object on the wire: the body of a webhook delivery and an item of {@code GET /v1/events} and the event
 * stream, byte for byte. {@code data} is the stored snapshot, written as it was stored; {@code cursor} lets a
 * consumer put deliveries back in order.
 */
public record EventBody(String id, String type, Instant createdAt, long cursor, RawValue data) {
    public static EventBody of(Event e) {
        return new EventBody(e.id(), e.type().wire(), e.createdAt(), e.cursor(), new RawValue(e.payload()));
    }
}
