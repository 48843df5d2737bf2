package dev.msgbubbles.db;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Housekeeping through a database outage: one line a run, no stack trace; anything else keeps its trace. */
class PeriodicTest {

    private static List<ILoggingEvent> logged(Runnable task, int runs) throws InterruptedException {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Periodic.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        CountDownLatch ran = new CountDownLatch(runs + 1); // the run after the last one counted has logged it
        try (Periodic periodic = Periodic.every("probe", Duration.ofMillis(5), () -> {
            ran.countDown();
            task.run();
        })) {
            assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            logger.detachAppender(events);
        }
        synchronized (events) {
            return List.copyOf(events.list);
        }
    }

    @Test
    void an_outage_is_one_warning_line_a_run_without_a_stack_trace() throws Exception {
        List<ILoggingEvent> events = logged(() -> {
            throw new StoreUnavailable("the PostgreSQL store is unavailable: connection refused", null);
        }, 3);

        assertThat(events).hasSizeGreaterThanOrEqualTo(3).allSatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getThrowableProxy()).as("a stack trace").isNull();
            assertThat(e.getFormattedMessage()).contains("probe").contains("connection refused");
        });
    }

    @Test
    void any_other_failure_keeps_its_stack_trace() throws Exception {
        List<ILoggingEvent> events = logged(() -> {
            throw new IllegalStateException("a bug");
        }, 1);

        assertThat(events).isNotEmpty().allSatisfy(e -> assertThat(e.getThrowableProxy()).isNotNull());
    }
}
