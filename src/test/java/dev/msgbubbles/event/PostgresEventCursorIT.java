package dev.msgbubbles.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.msgbubbles.db.Sql;
import dev.msgbubbles.support.TestStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PostgresEventCursorIT extends EventCursorContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("eventcursor");
    }

    /** The sequence's last value handed out (0 before the first). */
    private long lastCursor() {
        return db.read(h -> h.createQuery("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM events_cursor_seq")
                .mapTo(Long.class).one());
    }

    @Test
    void no_cursor_is_taken_while_another_transaction_holds_the_lock_and_all_are_once_it_is_free() throws Exception {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> db.writeVoid(h -> {
            h.execute("SELECT pg_advisory_xact_lock(?)", EventLog.Batch.LOCK);
            locked.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
        long before = lastCursor();
        try {
            // the one statement that takes the lock and the cursors, cut off while it waits for the lock
            assertThatThrownBy(() -> db.writeVoid(h -> {
                h.execute("SET LOCAL statement_timeout = 300");
                Sql.list(h, EventLog.Batch.TAKE_CURSORS, row -> row.longValue("c"), 5, EventLog.Batch.LOCK);
            })).hasStackTraceContaining("statement timeout");
            assertThat(lastCursor()).as("no value of the sequence was taken before the lock").isEqualTo(before);
        } finally {
            release.countDown();
            holder.get(10, TimeUnit.SECONDS);
        }
        List<Long> taken = db.write(h -> Sql.list(h, EventLog.Batch.TAKE_CURSORS, row -> row.longValue("c"), 5,
                EventLog.Batch.LOCK));
        assertThat(taken).containsExactly(before + 1, before + 2, before + 3, before + 4, before + 5);
    }
}
