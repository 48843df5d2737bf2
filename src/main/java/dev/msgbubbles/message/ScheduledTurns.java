package dev.msgbubbles.message;

import dev.msgbubbles.db.Dialect;
import dev.msgbubbles.db.Sql;
import dev.msgbubbles.queue.Job;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * When a scheduled message whose time has come may join its thread's lane: once every message of the thread scheduled
 * before it (or for the same moment and accepted before it) has joined. Two workers (two loops of one process, or two
 * processes) may claim a thread's scheduled messages in separate batches and move them into the lane in either order,
 * and the lane goes by the order of joining; waiting keeps the order of their times, then of their acceptance.
 *
 * <p>A scheduled message's job outside the lane names its thread in its payload ({@link SendJob#firstJob}), and only
 * such jobs enter {@code jobs_scheduled_by_thread_idx}, so this reads the thread's scheduled messages still outside
 * the lane, not the queue. A predecessor's job leaves in the transaction that puts it in the lane, so a waiter either
 * still sees it, or sees its place in the lane committed before its own. (Within one transaction a job completed
 * earlier may still be seen, as completions are written last: that can only make a message wait once more.)
 */
final class ScheduledTurns {
    /** A scheduled message's place among its thread's: its time (epoch milliseconds), then its first job's seq. */
    record Turn(long scheduledAt, long seq) implements Comparable<Turn> {
        static Turn of(Job job, Message message) {
            return new Turn(message.scheduledAt().toEpochMilli(), job.seq());
        }

        @Override
        public int compareTo(Turn other) {
            int byTime = Long.compare(scheduledAt, other.scheduledAt);
            return byTime != 0 ? byTime : Long.compare(seq, other.seq);
        }
    }

    private static final String BEFORE = """
            SELECT j.subject, m.scheduled_at, j.seq FROM jobs j JOIN messages m ON m.id = %s
            WHERE j.kind = '%s' AND j.lane IS NULL AND j.payload = ?
              AND (m.scheduled_at < ? OR (m.scheduled_at = ? AND j.seq < ?))
            ORDER BY m.scheduled_at, j.seq
            LIMIT ?""";
    private static final String POSTGRES = BEFORE.formatted("CAST(j.subject AS uuid)", SendJob.KIND);
    private static final String SQLITE = BEFORE.formatted("j.subject", SendJob.KIND);

    private record Row(String subject, Turn turn) {
    }

    private ScheduledTurns() {
    }

    /**
     * The first turn of {@code thread} still outside its lane before {@code upTo}, other than the jobs {@code mine}
     * (whose messages' ids they are): the one that messages of {@code mine} after it must wait for.
     */
    static Optional<Turn> firstOther(Handle tx, UUID thread, Collection<String> mine, Turn upTo) {
        List<Row> rows = Sql.list(tx, statement(Sql.dialect(tx)),
                row -> new Row(row.string("subject"), new Turn(row.longValue("scheduled_at"), row.longValue("seq"))),
                thread.toString(), upTo.scheduledAt(), upTo.scheduledAt(), upTo.seq(), mine.size() + 1);
        Set<String> own = Set.copyOf(mine);
        // at most mine.size() of the rows are of mine, so the first other, if any comes before upTo, is among them
        return rows.stream().filter(r -> !own.contains(r.subject())).map(Row::turn).findFirst();
    }

    /** The query of {@link #firstOther} for {@code dialect} (its plan is tested on both stores). */
    static String statement(Dialect dialect) {
        return dialect == Dialect.SQLITE ? SQLITE : POSTGRES;
    }
}
