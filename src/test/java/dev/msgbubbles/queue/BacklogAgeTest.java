package dev.msgbubbles.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The backlog gauges' scrape-time read: one read answers every gauge of a scrape, and a scrape waits one patience in
 * all for a read the store does not answer (a slow read stands in for the outage; PostgresOutageIT has the real one).
 */
class BacklogAgeTest {
    private static final Duration PATIENCE = Duration.ofMillis(300);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private TestStore store;
    private Database db;

    @BeforeEach
    void open() {
        store = TestStore.sqlite();
        db = store.open();
    }

    @AfterEach
    void close() {
        db.close();
        store.close();
    }

    @Test
    void one_read_answers_every_gauge_of_a_scrape_and_the_next_scrape_reads_again() {
        AtomicInteger reads = new AtomicInteger();
        BacklogAge ages = new BacklogAge(db, clock, PATIENCE, List.of(
                (h, now) -> {
                    reads.incrementAndGet();
                    return Optional.of(now.minusSeconds(12));
                },
                (h, now) -> Optional.empty()));
        assertThat(ages.seconds(0)).isEqualTo(12.0);
        assertThat(ages.seconds(1)).isEqualTo(0.0);
        assertThat(reads).hasValue(1);
        clock.advance(Duration.ofSeconds(1)); // the reads' own now: a due time 12 s before it is 12 s old again
        assertThat(ages.seconds(0)).isEqualTo(12.0);
        assertThat(ages.seconds(1)).isEqualTo(0.0);
        assertThat(reads).hasValue(2);
    }

    @Test
    void a_read_that_does_not_answer_in_time_is_nan_for_every_gauge_within_one_patience_and_runs_one_at_a_time()
            throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        AtomicInteger reads = new AtomicInteger();
        BacklogAge ages = new BacklogAge(db, clock, PATIENCE, List.of(
                (h, now) -> {
                    reads.incrementAndGet();
                    try {
                        answer.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Optional.of(now.minusSeconds(3));
                },
                (h, now) -> Optional.of(now.minusSeconds(5))));
        long started = System.nanoTime();
        assertThat(ages.seconds(0)).isNaN();
        assertThat(ages.seconds(1)).isNaN();
        Duration scrape = Duration.ofNanos(System.nanoTime() - started);
        assertThat(scrape).isGreaterThanOrEqualTo(PATIENCE).isLessThan(PATIENCE.multipliedBy(2));
        // the next scrape finds the read still under way: no second read, and no second wait
        started = System.nanoTime();
        assertThat(ages.seconds(0)).isNaN();
        assertThat(ages.seconds(1)).isNaN();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(PATIENCE);
        assertThat(reads).hasValue(1);

        answer.countDown();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        double age;
        while (Double.isNaN(age = ages.seconds(0))) { // a read started after the slow one ended answers
            assertThat(System.nanoTime()).as("the gauge reads again").isLessThan(deadline);
        }
        assertThat(age).isEqualTo(3.0);
        assertThat(ages.seconds(1)).isEqualTo(5.0);
    }
}
