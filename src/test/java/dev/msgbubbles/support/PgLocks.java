package dev.msgbubbles.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.db.Database;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * For deterministic race tests on PostgreSQL: hold one transaction open, start the other on a thread of its own, and
 * wait until it is either done or {@link #waiting} on a lock (on a {@link Database} of its own, so that the probe
 * never waits for a pooled connection the two transactions hold).
 */
public final class PgLocks {
    private PgLocks() {
    }

    /** How many sessions of {@code db}'s database wait on a lock now. */
    public static long waiting(Database db) {
        return db.read(h -> h.createQuery("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                + "AND wait_event_type = 'Lock'").mapTo(Long.class).one());
    }

    /** Waits up to 20 s for {@code latch}, failing the test if it does not open. */
    public static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(20, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
