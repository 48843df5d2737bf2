package dev.msgbubbles.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Drops the one error Helidon logs for a normal stop: a connection its listener accepted in the instant between its
 * last accept and the shutdown of its connection executor is refused with {@code ERROR ServerListener - Executor
 * rejected handler for new connection} and a stack trace, though nothing went wrong (the connection is closed, and its
 * client, having sent nothing or been answered nothing, tries again elsewhere, as with any connection cut by a stop).
 * The executor is shut down only by a stop, so the message means nothing else; an operator alerting on ERROR lines got
 * one now and then on a deploy (and so did the shutdown tests, which require none). Registered in logback.xml.
 */
public final class StopNoise extends TurboFilter {
    static final String LISTENER = "io.helidon.webserver.ServerListener";
    static final String REJECTED = "Executor rejected handler for new connection";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        return format != null && format.startsWith(REJECTED) && LISTENER.equals(logger.getName())
                ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
