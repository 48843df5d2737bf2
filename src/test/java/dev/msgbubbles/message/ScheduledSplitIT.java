package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Dialect;
import dev.msgbubbles.queue.Job;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Messages of one thread scheduled for the same moment go out in the order they were accepted, also when two workers
 * (two loops of one process, or two processes) claim them in separate batches and move them into the thread's lane
 * in the opposite order: the later batch's messages wait until the earlier ones have joined.
 */
class ScheduledSplitIT {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T10:00:00Z"));

    @Test
    void sqlite() {
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            twoBatchesJoinedInTheOppositeOrderStillGoOutInOrder(db);
        }
    }

    @Test
    void postgresql() {
        try (TestStore store = TestStore.postgres("schedsplit"); Database db = store.open()) {
            twoBatchesJoinedInTheOppositeOrderStillGoOutInOrder(db);
        }
    }

    private void twoBatchesJoinedInTheOppositeOrderStillGoOutInOrder(Database db) {
        RecordingChannel backend = new RecordingChannel();
        MessagingRig rig = MessagingRig.start(db, clock, backend, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), null,
                Duration.ofHours(1));
        Instant at = clock.instant().plus(Duration.ofMinutes(5));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String text = "part " + i;
            rig.messaging().send().send(new SendMessage.Command(rig.principal(), null, null, "+14155550009",
                    MessagingRig.NUMBER, null, text, null, null, null, null, null, at, null));
            expected.add(text);
        }
        clock.advance(Duration.ofMinutes(5));
        Instant now = clock.instant();
        Duration lease = Duration.ofSeconds(30);
        List<Job> first = db.write(tx -> rig.queue().claim(tx, "worker-1", 3, now, lease));
        List<Job> second = db.write(tx -> rig.queue().claim(tx, "worker-2", 3, now, lease));
        assertThat(first).hasSize(3);
        assertThat(second).hasSize(3);
        JobHandler sends = rig.messaging().jobHandlers().get(SendJob.KIND);
        // the second batch is prepared and run first, as a faster worker would
        sends.prepare(second);
        second.forEach(job -> sends.handle(job, now));
        sends.prepare(first);
        first.forEach(job -> sends.handle(job, now));
        for (int i = 0; i < 20 && backend.sends().size() < 6; i++) {
            rig.drain();
            clock.advance(Duration.ofMillis(500));
        }
        assertThat(backend.sends()).extracting(OutboundMessage::text).containsExactlyElementsOf(expected);

        // the check reads the thread's scheduled messages outside the lane, however long the queue
        boolean postgres = db.dialect() == Dialect.POSTGRESQL;
        db.writeVoid(tx -> tx.execute("INSERT INTO jobs (kind, subject, lane, payload, run_at, created_at) "
                + (postgres ? "SELECT CASE WHEN g % 2 = 0 THEN 'follow_up' ELSE 'send_message' END, 's' || g, "
                        + "CASE WHEN g % 3 = 0 THEN 'lane-' || (g % 500) END, 'p' || (g % 100), g, 0 FROM generate_series(1, 20000) g"
                        : "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20000) "
                        + "SELECT CASE WHEN n % 2 = 0 THEN 'follow_up' ELSE 'send_message' END, 's' || n, "
                        + "CASE WHEN n % 3 = 0 THEN 'lane-' || (n % 500) END, 'p' || (n % 100), n, 0 FROM g")));
        if (postgres) {
            db.outsideTransaction("VACUUM ANALYZE jobs");
        }
        String plan = db.read(h -> String.join("\n", h.createQuery((postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ")
                        + ScheduledTurns.statement(db.dialect())).bind(0, "p7").bind(1, 7L).bind(2, 7L).bind(3, 7L)
                .bind(4, 2).map((rs, ctx) -> rs.getString(postgres ? 1 : 4)).list()));
        assertThat(plan).as(plan).contains("jobs_scheduled_by_thread_idx").doesNotContain("Seq Scan on jobs")
                .doesNotContain("SCAN j");
    }
}
