package dev.msgbubbles.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code dev.msgbubbles.Main} in a separate JVM with a controlled environment, exactly as the launcher
 * does with the jar: real exit codes, real stdout and stderr.
 */
public final class Cli {
    private Cli() {
    }

    public record Result(int exit, String out, String err) {
    }

    public static ProcessBuilder builder(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-XX:TieredStopAtLevel=1"); // short-lived JVMs: C1 only starts faster
        command.add("-XX:+UseSerialGC");
        // the production logging set-up (MSGBUBBLES_LOG_FORMAT, _LEVEL), not the test classpath's logback-test.xml
        command.add("-Dlogback.configurationFile=logback.xml");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.msgbubbles.Main");
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("MSGBUBBLES_"));
        builder.environment().putAll(env);
        return builder;
    }

    public static Result run(Map<String, String> env, String... args) {
        try {
            Process process = builder(env, args).start();
            process.getOutputStream().close();
            // read both streams beside the wait, so that a command that never ends fails the test instead of hanging it
            var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> drain(process.getInputStream()));
            var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()));
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("command did not finish: " + List.of(args));
            }
            return new Result(process.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String drain(java.io.InputStream stream) {
        try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
