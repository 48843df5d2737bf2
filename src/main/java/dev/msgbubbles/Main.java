package dev.msgbubbles;

import dev.msgbubbles.cli.AdminCommand;
import dev.msgbubbles.cli.ServeCommand;
import dev.msgbubbles.db.Database;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code serve} runs the server, {@code admin …} administers accounts, keys and numbers. */
@Command(name = "msgbubbles", mixinStandardHelpOptions = true, version = "msgbubbles 0.1.0",
        description = "Self-hostable messaging API for iMessage, SMS and WhatsApp.",
        subcommands = {ServeCommand.class, AdminCommand.class})
public final class Main implements Runnable {

    /** The JDK's property for how many carrier threads run virtual threads (one per processor unless given). */
    static final String CARRIERS = "jdk.virtualThreadScheduler.parallelism";

    public static void main(String[] args) {
        // before anything starts a virtual thread: the scheduler reads the property once, when it is created
        carriersFor(System.getProperty(CARRIERS), Runtime.getRuntime().availableProcessors())
                .ifPresent(n -> System.setProperty(CARRIERS, n));
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof Database.NewerSchemaException) {
                command.getErr().println("msgbubbles: " + e.getMessage());
                return 2;
            }
            // the database is down or refuses us, or the data directory is unusable: a line, not a stack trace
            if (e instanceof Database.CannotOpen || e instanceof App.CannotStart) {
                command.getErr().println("msgbubbles: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        System.exit(cli.execute(args));
    }

    /**
     * How many carriers to give virtual threads unless the JVM was given a number ({@code -D}{@value #CARRIERS}, e.g. in
     * {@code MSGBUBBLES_JAVA_OPTS}): twice the processors. With one carrier per processor, the JDK's default, a few
     * requests wait for a carrier far longer than the rest while both carriers are busy: on two cores under the read
     * load ({@code ./msgbubbles bench reads sqlite}, twenty-seventh session) the lists answered in 3-5 ms at the median
     * and 0.1-1 s at the 99th percentile, with four carriers 22-37 ms, and most endpoints answered more requests a
     * second. Not the collector (pauses under 3 ms), a pinned virtual thread (JFR recorded none), the JDK's poller
     * threads or the reader pool (64 connections instead of 4 kept the tail). The sends kept their rate with a slightly
     * longer tail. Measured on two cores only; the rule keeps the same ratio elsewhere.
     */
    static Optional<String> carriersFor(String given, int processors) {
        return given != null ? Optional.empty() : Optional.of(Integer.toString(2 * processors));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
