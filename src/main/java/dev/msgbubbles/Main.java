package dev.msgbubbles;

import dev.msgbubbles.cli.AdminCommand;
import dev.msgbubbles.cli.ServeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code serve} runs the server, {@code admin …} administers accounts, keys and numbers. */
@Command(name = "msgbubbles", mixinStandardHelpOptions = true, version = "msgbubbles 0.1.0",
        description = "Self-hostable messaging API for iMessage, SMS and WhatsApp.",
        subcommands = {ServeCommand.class, AdminCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
