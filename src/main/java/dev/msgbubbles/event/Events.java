package dev.msgbubbles.event;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Catch-up reads of the event log for one account and mode: pages after a cursor, optionally of some types, and
 * {@link #follow following} it as it grows (the SSE stream). Cursors become visible in increasing order only,
 * so resuming after the last cursor seen never misses an event.
 */
public final class Events implements AutoCloseable {
    /** How often a follower looks for new events when it has seen them all. */
    static final Duration POLL = Duration.ofMillis(200);

    private final Database db;
    private final Duration heartbeat;
    private final EventLog log = new EventLog(EventLog.Fanout.NONE); // reads only
    private volatile boolean open = true;

    public Events(Database db, Duration heartbeat) {
        this.db = db;
        this.heartbeat = heartbeat;
    }

    /** Up to {@code limit} events after {@code after}, and whether more follow. */
    public record Page(List<Event> events, boolean hasMore, long nextAfter) {
    }

    /** Where a follower delivers; an {@link IOException} means the reader is gone and ends the stream. */
    public interface Sink {
        void events(List<Event> events) throws IOException;

        void heartbeat() throws IOException;
    }

    public Page after(UUID accountId, Mode mode, long after, Set<EventType> types, int limit) {
        List<Event> rows = db.read(h -> log.after(h, accountId, mode, after, types, limit + 1));
        boolean more = rows.size() > limit;
        List<Event> page = more ? rows.subList(0, limit) : rows;
        return new Page(List.copyOf(page), more, page.isEmpty() ? after : page.getLast().cursor());
    }

    /**
     * Delivers every event after {@code after} as it is committed, in cursor order, until the sink fails or this
     * is closed; sends a heartbeat when nothing was delivered for the heartbeat interval.
     */
    public void follow(UUID accountId, Mode mode, long after, Set<EventType> types, Sink sink) throws IOException {
        long cursor = after;
        long quietSince = System.nanoTime();
        while (open) {
            Page page = after(accountId, mode, cursor, types, 100);
            if (!page.events().isEmpty()) {
                sink.events(page.events());
                cursor = page.nextAfter();
                quietSince = System.nanoTime();
                if (page.hasMore()) {
                    continue;
                }
            } else if (System.nanoTime() - quietSince >= heartbeat.toNanos()) {
                sink.heartbeat();
                quietSince = System.nanoTime();
            }
            try {
                TimeUnit.NANOSECONDS.sleep(POLL.toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Ends every follower (they return within one poll), so that the server can stop. */
    @Override
    public void close() {
        open = false;
    }
}
