package dev.msgbubbles.http;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.PageQuery;
import dev.msgbubbles.common.WireJson;
import dev.msgbubbles.event.Event;
import dev.msgbubbles.event.EventBody;
import dev.msgbubbles.event.EventType;
import dev.msgbubbles.event.Events;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code GET /v1/events}: catch up without webhooks. Events of the caller's account and mode after a cursor,
 * oldest first; resume with {@code after=<next_after>}. Cursors become visible in increasing order only, so a
 * consumer that always resumes from the last one it saw never misses an event.
 */
final class EventsApi {
    static final Set<String> QUERY = Set.of("after", "types", "limit");

    private final Events events;
    /** Whether a stream's key is still good: a revoked key or a suspended account's ends its open streams. */
    private final java.util.function.Predicate<dev.msgbubbles.account.Principal> stillValid;

    EventsApi(Events events, java.util.function.Predicate<dev.msgbubbles.account.Principal> stillValid) {
        this.stillValid = stillValid;
        this.events = events;
    }

    ApiResponse list(ApiRequest request) {
        long after = request.query("after").map(EventsApi::cursor).orElse(0L);
        Set<EventType> types = request.query("types").map(EventsApi::types).orElse(null);
        int limit = PageQuery.parse(request.query("limit"), java.util.Optional.empty()).limit();
        Events.Page page = events.after(request.principal().accountId(), request.principal().mode(), after, types, limit);
        return new ApiResponse(200, new ApiResponse.CursorPage(page.events().stream().map(EventBody::of).toList(),
                page.hasMore(), page.nextAfter()), Map.of());
    }

    static final Set<String> STREAM_QUERY = Set.of("after", "types");

    /**
     * How long a client should wait before it reconnects a stream the server ended because it is stopping (the SSE
     * {@code retry} field, which EventSource honours and keeps for its later reconnections too). Browsers wait about
     * 3 s by default: a second moves the consumer sooner, and one that reaches this process again, its balancer not
     * having taken it out of rotation yet, costs it one short request a second (that stream ends after the events at
     * hand, too). Shorter would only make those repeats more frequent.
     */
    static final int STOPPING_RETRY_MILLIS = 1000;

    /**
     * The end of a stream the server ends because it is stopping: after a whole event, a comment for people reading
     * the stream by hand and the reconnection delay, then the response ends.
     */
    static final byte[] STOPPING_END = (": the server is stopping: reconnect with Last-Event-ID\nretry: "
            + STOPPING_RETRY_MILLIS + "\n\n").getBytes(StandardCharsets.UTF_8);

    /**
     * {@code GET /v1/events/stream}: Server-Sent Events. Each event is {@code id: <cursor>}, {@code event: <type>},
     * {@code data: <the event object>}; a comment line every heartbeat interval while idle, with an {@code id} field
     * when a {@code types} filter has taken the stream past its last event (see {@link #heartbeatOf}). Resumes after
     * the {@code Last-Event-ID} header (what browsers' EventSource sends on reconnect) or, without one or with an empty
     * one, {@code after}. When the server begins to stop (its drain), the stream ends after the events it is writing,
     * with a {@code retry} field ({@link #STOPPING_END}), so that the consumer resumes on another process; one opened
     * while the server stops is still answered (EventSource gives up on any status but 200) and ends the same way after
     * the events at hand.
     */
    ApiResponse stream(ApiRequest request) {
        // an empty Last-Event-ID is no last event id (EventSource sends none then; other clients send it empty)
        Optional<String> lastEventId = request.header("Last-Event-ID").filter(id -> !id.isBlank());
        long after = lastEventId.isPresent() ? lastEventId.map(EventsApi::lastEventId).get()
                : request.query("after").map(EventsApi::cursor).orElse(0L);
        Set<EventType> types = request.query("types").map(EventsApi::types).orElse(null);
        var principal = request.principal();
        // before the stream starts, so that a consumer behind the retention gets a plain 410 JSON answer
        events.ensureResumable(principal.accountId(), principal.mode(), after,
                lastEventId.isPresent() ? "Last-Event-ID" : "after");
        ApiResponse.StreamWriter writer = out -> {
            out.write(": stream of events after cursor %d\n\n".formatted(after).getBytes(StandardCharsets.UTF_8));
            out.flush();
            var ended = events.follow(principal.accountId(), principal.mode(), after, types, new Events.Sink() {
                /** The last {@code id} field written: what the client resumes after (its Last-Event-ID). */
                private long given = after;

                @Override
                public byte[] render(List<Event> batch) {
                    given = batch.getLast().cursor(); // written next, or the stream ends
                    StringBuilder text = new StringBuilder();
                    for (Event event : batch) {
                        text.append("id: ").append(event.cursor()).append('\n')
                                .append("event: ").append(event.type().wire()).append('\n')
                                .append("data: ").append(WireJson.write(EventBody.of(event))).append("\n\n");
                    }
                    return text.toString().getBytes(StandardCharsets.UTF_8);
                }

                @Override
                public void write(byte[] rendered) throws IOException {
                    ensureStillValid();
                    out.write(rendered);
                    out.flush();
                }

                @Override
                public void heartbeat(long through) throws IOException {
                    ensureStillValid();
                    out.write(heartbeatOf(through > given ? through : 0));
                    given = Math.max(given, through);
                    out.flush();
                }

                private void ensureStillValid() throws IOException {
                    if (!stillValid.test(principal)) {
                        throw new IOException("its API key was revoked or its account suspended");
                    }
                }
            });
            if (ended == Events.Ended.STOPPING) {
                out.write(STOPPING_END);
                out.flush();
            }
        };
        return new ApiResponse(200, new ApiResponse.Streaming("text/event-stream; charset=utf-8", writer),
                Map.of("Cache-Control", "no-cache", "X-Accel-Buffering", "no"));
    }

    /**
     * A heartbeat: a comment, and with {@code position} above 0 an {@code id} field, which sets the client's last event
     * id (EventSource does so for a block without {@code data} too, and dispatches no event for it). A stream with a
     * {@code types} filter moves past the events of other types without writing them; were its clients left with the
     * id of their last event, a stream of a rare type would resume from far back after a reconnection (the drain of a
     * deploy asks for one), and once the retention had removed the other types' events since then it would be refused
     * {@code 410 cursor_expired}, on which EventSource gives up for good, though nothing it takes was removed.
     */
    static byte[] heartbeatOf(long position) {
        String text = position > 0 ? ": heartbeat\nid: " + position + "\n\n" : ": heartbeat\n\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static long lastEventId(String text) {
        try {
            return cursor(text);
        } catch (ApiException e) {
            throw ApiException.invalid("Last-Event-ID", "Last-Event-ID must be an event cursor: a whole number from 0");
        }
    }

    static long cursor(String text) {
        try {
            // ASCII digits only: parseLong also takes a sign and any script's digits
            String digits = text.strip();
            if (!digits.matches("[0-9]+")) {
                throw new NumberFormatException(digits);
            }
            long value = Long.parseLong(digits);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ApiException.invalid("after", "after must be an event cursor: a whole number from 0");
    }

    static Set<EventType> types(String text) {
        Set<EventType> types = EnumSet.noneOf(EventType.class);
        for (String name : text.split(",", -1)) {
            types.add(EventType.fromWire(name.strip()).orElseThrow(() -> ApiException.invalid("types",
                    "unknown event type '" + name.strip() + "' in types (comma-separated event names)")));
        }
        return types;
    }
}
