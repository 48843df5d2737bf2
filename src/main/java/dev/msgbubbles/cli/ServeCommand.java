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
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

/** {@code serve}: runs until interrupted (SIGINT/SIGTERM stop it cleanly). */
@Command(name = "serve", description = "Run the API server (configuration from MSGBUBBLES_* variables).")
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
        App app;
        try {
            app = App.start(config, Clock.systemUTC());
        } catch (App.NotListening e) {
            // a first start created its account before it tried the port: its keys are shown only once
            e.bootstrapped().ifPresent(created -> printKeys(System.out, created));
            System.err.println("msgbubbles: " + e.getMessage());
            return 1;
        }
        // a newer version migrating the database under this process stops it (exit 3; the hook below closes it)
        new SchemaWatch(app.database(), SCHEMA_CHECK, () -> System.exit(3)).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "shutdown"));
        PrintStream out = System.out;
        app.bootstrapped().ifPresent(created -> {
            printKeys(out, created);
            out.println("Try it:");
            out.printf("  curl -s http://%s:%d/v1/numbers -H 'Authorization: Bearer %s'%n",
                    config.server().host(), app.port(), created.testKey().key());
            out.println();
        });
        out.printf("MsgBubbles server listening on http://%s:%d (database: %s)%n",
                config.server().host(), app.port(), app.database().description());
        out.flush();
        stopped.await();
        return 0;
    }

    private static void printKeys(PrintStream out, CreatedAccount created) {
        out.println();
        out.println("First start: created account 'default' (" + created.account().id() + ")");
        out.println("with the sandbox number +18005550100 (test mode). Its API keys, shown only this once:");
        out.println();
        out.println("  test key: " + created.testKey().key());
        out.println("  live key: " + created.liveKey().key());
        out.println();
    }
}
