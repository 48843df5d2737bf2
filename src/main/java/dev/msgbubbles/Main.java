package dev.msgbubbles;

import dev.msgbubbles.cli.AdminCommand;
import dev.msgbubbles.cli.ServeCommand;
import dev.msgbubbles.db.Database;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code serve} runs the server, {@code admin …} administers accounts, keys and numbers. */
@Command(name = "msgbubbles", mixinStandardHelpOptions = true, version = "msgbubbles 0.1.0",
        description = "Self-hostable messaging API for iMessage, SMS and WhatsApp.",
        subcommands = {ServeCommand.class, AdminCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof Database.NewerSchemaException) {
                command.getErr().println("msgbubbles: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
