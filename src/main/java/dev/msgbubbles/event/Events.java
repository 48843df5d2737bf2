package dev.msgbubbles.event;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
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
    /** How long a follower that has seen every event waits before it looks again ({@link #POLL}; tests lengthen it). */
    private final Duration poll;
    /**
     * Released once when the server begins to stop ({@link #endFollowers}): followers wait on it between their reads,
     * so that the stop wakes an idle one at once rather than after its poll.
     */
    private final java.util.concurrent.CountDownLatch stopping = new java.util.concurrent.CountDownLatch(1);

    public Events(Database db, Duration heartbeat) {
        this(db, heartbeat, MAX_SCAN_ROWS, Runtime.getRuntime().availableProcessors(), POLL);
    }

    Events(Database db, Duration heartbeat, int maxScanRows, int slots) {
        this(db, heartbeat, maxScanRows, slots, POLL);
    }

    Events(Database db, Duration heartbeat, int maxScanRows, int slots, Duration poll) {
        this.db = db;
        this.heartbeat = heartbeat;
        this.maxScanRows = maxScanRows;
        this.slots = new java.util.concurrent.Semaphore(Math.max(1, slots), true);
        this.poll = poll;
    }

    /** Why {@link #follow} returned (a failed write ends it with the sink's {@link IOException} instead). */
    public enum Ended {
        /**
         * The server is stopping ({@link #endFollowers}): the follower ended after a whole page, at an event boundary,
         * and its consumer should resume elsewhere after the last event it was given.
         */
        STOPPING,
        /** The retention overtook the follower while it caught up: resuming from its last event is refused. */
        OVERTAKEN,
        /** Its thread was interrupted: the server's grace for requests under way is over; nothing more is written. */
        INTERRUPTED
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

        /**
         * Nothing was delivered for the heartbeat interval. {@code through}: the cursor up to which the follower has
         * looked at every event of the account and mode and delivered those it takes; with a type filter it can be past
         * the last event delivered (see {@link Page#nextAfter}), and a consumer may resume after it.
         */
        void heartbeat(long through) throws IOException;
    }

    /**
     * Up to {@code limit} events after {@code after}, whether more may follow, and where to resume. With a type filter
     * a page can hold fewer than {@code limit} events, even none, and still say {@code hasMore}: its read stopped at
     * {@link #MAX_SCAN_ROWS} rows; and {@code nextAfter} moves past the events of other types it looked at, so that the
     * next read does not look at them again.
     */
    public Page after(UUID accountId, Mode mode, long after, Set<EventType> types, int limit) {
        return read(accountId, mode, after, types, limit, true).orElseThrow(() -> expired(after, "after"));
    }

    /**
     * Answers {@code 410 cursor_expired} (naming {@code param}) when events of the account and mode after {@code after}
     * were removed by the retention: a stream checks this before it starts, so that the refusal is a plain JSON answer.
     */
    public void ensureResumable(UUID accountId, Mode mode, long after, String param) {
        if (after > 0 && db.read(h -> log.expiredAfter(h, accountId, mode, after))) {
            throw expired(after, param);
        }
    }

    /**
     * The consumer's cursor is behind the retention (DECISIONS.md §8 promises that resuming never misses an event, so
     * it is told rather than handed the events that are left as if nothing were missing).
     */
    private static ApiException expired(long after, String param) {
        return new ApiException(ErrorCode.CURSOR_EXPIRED, "events after cursor " + after + " were removed by the event "
                + "retention (events are kept for a limited time); resume with after=0 to read from the oldest kept "
                + "event", param);
    }

    /**
     * A page after {@code after}; empty when {@code checked} and the purge removed events after {@code after}. The
     * check is read after the events, in the same read, so a purge that ran meanwhile is seen (see
     * {@link EventLog#expiredAfter}).
     */
    private java.util.Optional<Page> read(UUID accountId, Mode mode, long after, Set<EventType> types, int limit,
                                          boolean checked) {
        record Read(EventLog.Scan scan, boolean expired) {
        }
        Read read = db.read(h -> {
            EventLog.Scan found = log.scan(h, accountId, mode, after, types, limit + 1, maxScanRows);
            return new Read(found, checked && log.expiredAfter(h, accountId, mode, after));
        });
        if (read.expired()) {
            return java.util.Optional.empty();
        }
        EventLog.Scan scan = read.scan();
        List<Event> found = scan.events();
        if (found.size() > limit) {
            List<Event> page = found.subList(0, limit);
            return java.util.Optional.of(new Page(List.copyOf(page), true, page.getLast().cursor()));
        }
        return java.util.Optional.of(new Page(List.copyOf(found), !scan.complete(), scan.through()));
    }

    /**
     * Delivers every event after {@code after} as it is committed, in cursor order, until the sink fails or the
     * server stops ({@link #endFollowers}); sends a heartbeat when nothing was delivered for the heartbeat interval.
     * Once the server stops, a follower ends after the page it is delivering, or at once when it waits for new events,
     * and one that starts then delivers a single page (what is at hand, perhaps nothing) and ends: either way at an
     * event boundary, having given its consumer a cursor to resume from elsewhere.
     */
    public Ended follow(UUID accountId, Mode mode, long after, Set<EventType> types, Sink sink) throws IOException {
        long cursor = after;
        long quietSince = System.nanoTime();
        // whether the next read checks the retention horizon: on the first and while catching up, since only a
        // follower that has events left to read can be overtaken by the purge (an idle one is at the end of the log,
        // and events that appear are new). An overtaken follower's stream ends: reconnecting with its Last-Event-ID is
        // answered 410 cursor_expired.
        boolean check = true;
        while (true) {
            java.util.Optional<Page> read;
            Page page;
            byte[] rendered;
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Ended.INTERRUPTED;
            }
            try {
                read = read(accountId, mode, cursor, types, 100, check);
                page = read.orElse(null);
                rendered = page == null || page.events().isEmpty() ? null : sink.render(page.events());
            } finally {
                slots.release();
            }
            if (page == null) {
                return Ended.OVERTAKEN;
            }
            check = !page.events().isEmpty() || page.hasMore();
            cursor = page.nextAfter(); // past events of other types too
            if (rendered != null) {
                sink.write(rendered);
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= heartbeat.toNanos()) {
                sink.heartbeat(cursor);
                quietSince = System.nanoTime();
            }
            if (stopping.getCount() == 0) {
                return Ended.STOPPING; // a follower catching up from far behind goes on elsewhere
            }
            if (page.hasMore()) {
                continue;
            }
            try {
                if (stopping.await(poll.toNanos(), TimeUnit.NANOSECONDS)) {
                    return Ended.STOPPING;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Ended.INTERRUPTED;
            }
        }
    }

    /**
     * The server begins to stop (its drain, or the stop itself): every follower ends at its next event boundary, one
     * waiting for new events at once, and followers that start from now on end after their first page (see
     * {@link #follow}). Their consumers resume from their last event, on another process once this one is out of its
     * balancer's rotation. Returns at once; the followers end on their own threads.
     */
    public void endFollowers() {
        stopping.countDown();
    }

    /** Ends every follower (see {@link #endFollowers}), so that the server can stop. */
    @Override
    public void close() {
        endFollowers();
    }
}
