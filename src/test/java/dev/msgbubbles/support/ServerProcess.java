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
    /** Reads the rest of its output into {@link #lines}; ends when the process has ended and its output is read. */
    private final Thread reader;

    private ServerProcess(Process process, int port, List<String> lines, Thread reader) {
        this.process = process;
        this.port = port;
        this.lines = lines;
        this.reader = reader;
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
                    Thread drain = new Thread(() -> {
                        try {
                            reader.lines().forEach(lines::add);
                        } catch (UncheckedIOException closed) {
                            // killed: Process#destroyForcibly closes this side of the pipe
                        }
                    });
                    drain.setDaemon(true);
                    drain.start();
                    return new ServerProcess(process, Integer.parseInt(m.group(1)), lines, drain);
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

    /**
     * What it printed so far (standard output and error); once {@link #exitCode}, {@link #stop} or {@link #kill} saw it
     * end, everything it printed.
     */
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
        return ended(process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) ? process.exitValue() : null;
    }

    /** Once the process has ended, waits for its last lines to be read (the reader is behind it by a pipe's worth). */
    private boolean ended(boolean ended) throws InterruptedException {
        if (ended) {
            reader.join(java.time.Duration.ofSeconds(10));
        }
        return ended;
    }

    /** SIGKILL: no shutdown hook, no flush, nothing graceful. */
    public void kill() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        ended(process.waitFor(30, TimeUnit.SECONDS));
    }

    /**
     * SIGTERM without waiting for the process to end (see {@link #exitCode}). Sent through its {@link ProcessHandle}:
     * {@link Process#destroy} also closes this side of its output at once, so whatever it printed while stopping (the
     * lines a test of a stop looks at) was lost.
     */
    public void signalStop() {
        process.toHandle().destroy();
    }

    /** SIGTERM: the shutdown hook closes the server and the database. */
    public boolean stop() throws InterruptedException {
        signalStop();
        return ended(process.waitFor(30, TimeUnit.SECONDS));
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
