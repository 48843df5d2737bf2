package dev.msgbubbles.cli;

import dev.msgbubbles.App;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.config.Config;
import dev.msgbubbles.config.ConfigException;
import dev.msgbubbles.config.ConfigLoader;
import dev.msgbubbles.db.SchemaWatch;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

/** {@code serve}: runs until interrupted (SIGINT/SIGTERM stop it cleanly). */
@Command(name = "serve", description = "Run the API server (configuration from MSGBUBBLES_* variables).",
        mixinStandardHelpOptions = true)
public final class ServeCommand implements Callable<Integer> {
    /** How often a running server checks whether a newer version has migrated its database. */
    static final Duration SCHEMA_CHECK = Duration.ofSeconds(5);

    @Override
    public Integer call() throws InterruptedException {
        Config config;
        try {
            config = ConfigLoader.fromEnvironment();
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        Logging.forServer(config.logging());
        Announcer announce = Announcer.of(config.logging());
        App app;
        try {
            app = App.start(config, Clock.systemUTC());
        } catch (App.NotListening e) {
            // a first start created its account before it tried the port: its keys are shown only once
            e.bootstrapped().ifPresent(created -> announce.say(keys(created)));
            System.err.println("msgbubbles: " + e.getMessage());
            return 1;
        }
        // a newer version migrating the database under this process stops it (exit 3; the hook below closes it), at
        // once, without a drain: it must serve no further request on a schema this version does not know
        new SchemaWatch(app.database(), SCHEMA_CHECK, () -> {
            app.forgoDrain();
            System.exit(3);
        }).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            // the last line of a clean stop: its absence in a log says the process was killed while stopping
            org.slf4j.LoggerFactory.getLogger(ServeCommand.class).info("stopped cleanly");
            stopped.countDown();
        }, "shutdown"));
        String origin = origin(config.server().host(), app.port());
        app.bootstrapped().ifPresent(created -> announce.say(keys(created) + "Try it:\n"
                + String.format("  curl -s %s/v1/numbers -H 'Authorization: Bearer %s'%n", origin,
                        created.testKey().key()) + "\n"));
        announce.say(String.format("MsgBubbles server listening on %s (database: %s)%n", origin,
                app.database().description()));
        stopped.await();
        return 0;
    }

    /**
     * Where the start-up announcements go: stdout as they are, or, with {@code MSGBUBBLES_LOG_FORMAT=json}, each as one
     * JSON object on a line of its own, in the shape of the log's (the banner's plain lines broke "one JSON object per
     * line" for a log shipper). Written directly, not through a logger: a first start's keys are shown whatever the
     * log level.
     */
    private record Announcer(boolean json) {
        static Announcer of(Config.Logging logging) {
            return new Announcer(logging.format().equals("json"));
        }

        void say(String text) {
            PrintStream out = System.out;
            if (json) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("timestamp", System.currentTimeMillis());
                line.put("level", "INFO");
                line.put("threadName", Thread.currentThread().getName());
                line.put("loggerName", "msgbubbles.start");
                line.put("message", text.strip());
                try {
                    out.println(AdminContext.JSON.writeValueAsString(line));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e); // a map of strings and a number always serializes
                }
            } else {
                out.print(text);
            }
            out.flush();
        }
    }

    /** The server's own URL, for the banner: an IPv6 address is bracketed, or the URL (copied into curl) is none. */
    static String origin(String host, int port) {
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private static String keys(CreatedAccount created) {
        return "\nFirst start: created account 'default' (" + created.account().id() + ")\n"
                + "with the sandbox number +18005550100 (test mode). Its API keys, shown only this once:\n\n"
                + "  test key: " + created.testKey().key() + "\n"
                + "  live key: " + created.liveKey().key() + "\n\n";
    }
}
