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

    /**
     * How many rows of the log one read looks at, at most: a {@code types} filter that matches few events would
     * otherwise read the whole log in one request, and a stream would do so on every poll.
     */
    static final int MAX_SCAN_ROWS = 2_000;

    private final Database db;
    private final Duration heartbeat;
    private final EventLog log = new EventLog(EventLog.Fanout.NONE); // reads only
    private final int maxScanRows;
    /**
     * Followers reading and rendering a page at once, at most: one per processor. Followers that catch up from far
     * behind (every EventSource client after a restart, say) each loop on reads and JSON with no pause, and the
     * virtual-thread scheduler runs threads that wake each other before new ones, so fifty of them held every other
     * request of the server up for 22 s on two cores (a send; by hand, 71,000 events each). Waiting for a slot they
     * are parked, and carriers stay free for the rest. Never held while writing to a client, which may be slow.
     */
    private final java.util.concurrent.Semaphore slots;
    private volatile boolean open = true;

    public Events(Database db, Duration heartbeat) {
        this(db, heartbeat, MAX_SCAN_ROWS, Runtime.getRuntime().availableProcessors());
    }

    Events(Database db, Duration heartbeat, int maxScanRows, int slots) {
        this.db = db;
        this.heartbeat = heartbeat;
        this.maxScanRows = maxScanRows;
        this.slots = new java.util.concurrent.Semaphore(Math.max(1, slots), true);
    }

    /** A page of events, whether more may follow, and the cursor to resume after (see {@link #after}). */
    public record Page(List<Event> events, boolean hasMore, long nextAfter) {
    }

    /** Where a follower delivers; an {@link IOException} means the reader is gone and ends the stream. */
    public interface Sink {
        /** What to write for {@code events}: rendering only, no I/O (it runs while the follower holds a slot). */
        byte[] render(List<Event> events);

        /** Writes what {@link #render} made. */
        void write(byte[] rendered) throws IOException;

        void heartbeat() throws IOException;
    }

    /**
     * Up to {@code limit} events after {@code after}, whether more may follow, and where to resume. With a type filter
     * a page can hold fewer than {@code limit} events, even none, and still say {@code hasMore}: its read stopped at
     * {@link #MAX_SCAN_ROWS} rows; and {@code nextAfter} moves past the events of other types it looked at, so that the
     * next read does not look at them again.
     */
    public Page after(UUID accountId, Mode mode, long after, Set<EventType> types, int limit) {
        EventLog.Scan scan = db.read(h -> log.scan(h, accountId, mode, after, types, limit + 1, maxScanRows));
        List<Event> found = scan.events();
        if (found.size() > limit) {
            List<Event> page = found.subList(0, limit);
            return new Page(List.copyOf(page), true, page.getLast().cursor());
        }
        return new Page(List.copyOf(found), !scan.complete(), scan.through());
    }

    /**
     * Delivers every event after {@code after} as it is committed, in cursor order, until the sink fails or this
     * is closed; sends a heartbeat when nothing was delivered for the heartbeat interval.
     */
    public void follow(UUID accountId, Mode mode, long after, Set<EventType> types, Sink sink) throws IOException {
        long cursor = after;
        long quietSince = System.nanoTime();
        while (open) {
            Page page;
            byte[] rendered;
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                page = after(accountId, mode, cursor, types, 100);
                rendered = page.events().isEmpty() ? null : sink.render(page.events());
            } finally {
                slots.release();
            }
            cursor = page.nextAfter(); // past events of other types too
            if (rendered != null) {
                sink.write(rendered);
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= heartbeat.toNanos()) {
                sink.heartbeat();
                quietSince = System.nanoTime();
            }
            if (page.hasMore()) {
                continue;
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
