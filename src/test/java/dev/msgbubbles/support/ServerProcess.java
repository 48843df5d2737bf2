package dev.msgbubbles.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code msgbubbles serve} in its own JVM, started and stopped (or killed) by a test. */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern TEST_KEY = Pattern.compile("test key: (sk_test_\\w+)");

    private final Process process;
    private final int port;
    private final List<String> lines;

    private ServerProcess(Process process, int port, List<String> lines) {
        this.process = process;
        this.port = port;
        this.lines = lines;
    }

    /** Starts the server and returns once it listens; {@code env} should set MSGBUBBLES_PORT=0. */
    public static ServerProcess start(Map<String, String> env) {
        return startWithin(env, List.of());
    }

    /**
     * As {@link #start}, the server's command run by {@code wrapper} (its arguments follow the wrapper's own), e.g. in
     * namespaces of its own; {@link #kill} ends the wrapper's descendants too.
     */
    public static ServerProcess startWithin(Map<String, String> env, List<String> wrapper) {
        try {
            ProcessBuilder builder = Cli.builder(env, "serve").redirectErrorStream(true);
            List<String> command = new ArrayList<>(wrapper);
            command.addAll(builder.command());
            Process process = builder.command(command).start();
            BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    Thread drain = new Thread(() -> reader.lines().forEach(lines::add));
                    drain.setDaemon(true);
                    drain.start();
                    return new ServerProcess(process, Integer.parseInt(m.group(1)), lines);
                }
            }
            throw new AssertionError("server exited before listening:\n" + String.join("\n", lines));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** What it printed so far (standard output and error). */
    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** The test key printed on first start, or null. */
    public String testKey() {
        return lines.stream().map(TEST_KEY::matcher).filter(Matcher::find).map(m -> m.group(1)).findFirst().orElse(null);
    }

    /** The exit code once the process has ended by itself within {@code limit}, or null if it is still running. */
    public Integer exitCode(java.time.Duration limit) throws InterruptedException {
        return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    /** SIGKILL: no shutdown hook, no flush, nothing graceful. */
    public void kill() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: the shutdown hook closes the server and the database. */
    public boolean stop() throws InterruptedException {
        process.destroy();
        return process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
