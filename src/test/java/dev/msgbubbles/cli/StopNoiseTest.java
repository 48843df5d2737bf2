package dev.msgbubbles.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** Helidon's error for a connection accepted as a stop shuts its executor down is dropped; nothing else is. */
class StopNoiseTest {
    @Test
    void only_the_listeners_rejected_connection_error_is_dropped() {
        LoggerContext context = new LoggerContext();
        context.addTurboFilter(new StopNoise());
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.setContext(context);
        seen.start();
        context.getLogger("ROOT").addAppender(seen);

        var listener = context.getLogger(StopNoise.LISTENER);
        listener.error(StopNoise.REJECTED, new RejectedExecutionException("Executor is shut down"));
        listener.error("Failed to accept a connection", new java.io.IOException("too many open files"));
        context.getLogger("io.helidon.webserver.Other").error(StopNoise.REJECTED);

        assertThat(seen.list).extracting(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).containsExactly(
                StopNoise.LISTENER + ": Failed to accept a connection",
                "io.helidon.webserver.Other: " + StopNoise.REJECTED);
    }

    @Test
    void the_servers_logging_configuration_registers_it() throws Exception {
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(getClass().getResource("/logback.xml"));
        assertThat(context.getTurboFilterList()).hasAtLeastOneElementOfType(StopNoise.class);
    }
}
