package dev.msgbubbles.http;

import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Ends the connection of a client that stops sending in the middle of a request. Helidon SE 4 waits for the rest of a
 * request's head, or of its body, for ever: its read timeout (a socket option, 30 s by default) is never applied to
 * the connections it accepts (it reads them through NIO channels, which have none), and its idle-connection check
 * closes a connection only while it waits for a request line. A client that sent a request line and part of the
 * headers (slowloris), or part of a body, and then nothing, held its connection and the thread reading it until it
 * went away itself: a few thousand of those and the process has no file descriptors left.
 *
 * <p>So the thread reading a request is watched from its request line to the end of its head, and again while it
 * waits in a read of the body ({@link ClientBody}): once it has waited {@code limit}, it is interrupted, which closes
 * the connection under the blocked read (NIO channels are interruptible); the body read then fails as
 * {@link ClientBody.Unreadable}. A streamed answer's writes are watched the same way ({@link #watched}): a client that
 * stops reading one while its connection stays up held the writing thread for ever. Not watched: a connection between
 * requests (Helidon's idle check closes it after five minutes) and the rest of what an endpoint does once its body is
 * read (an event stream may rightly last for hours: only each of its writes is held to the limit).
 *
 * <p>An interrupt is delivered only while the thread is watched, under the watch's lock, and a watch ended after one
 * came clears it: a request whose last bytes arrived just in time is not left with a pending interrupt.
 */
final class SilentClients implements Http1ConnectionListener, AutoCloseable {
    private final long limitNanos;
    private final Map<Thread, Watch> watched = new ConcurrentHashMap<>();
    private final ThreadLocal<Watch> own = ThreadLocal.withInitial(Watch::new);
    private final ScheduledExecutorService sweeper;

    private static final class Watch {
        long deadline;
        boolean armed;
        boolean fired;
    }

    SilentClients(Duration limit) {
        this.limitNanos = limit.toNanos();
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "silent-clients");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(10, Math.min(1000, limit.toMillis() / 4));
        sweeper.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    /** The request line has been read: the head must follow within the limit. */
    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        watch();
    }

    /** The head has been read: the endpoint runs unwatched (a body read watches itself). */
    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        unwatch();
    }

    /** The calling thread is about to wait for the client's bytes: interrupt it if that wait outlasts the limit. */
    void watch() {
        Thread thread = Thread.currentThread();
        Watch watch = own.get();
        synchronized (watch) { // the map changes for a thread under its watch's lock, so a sweep never loses a watch
            watch.deadline = System.nanoTime() + limitNanos;
            watch.armed = true;
            watched.put(thread, watch);
        }
    }

    /** The wait is over (the bytes came, or the read failed); an interrupt that came meanwhile is taken back. */
    void unwatch() {
        Thread thread = Thread.currentThread();
        Watch watch = own.get();
        synchronized (watch) {
            watch.armed = false;
            if (watch.fired) {
                watch.fired = false;
                Thread.interrupted();
            }
            watched.remove(thread, watch);
        }
    }

    /** How much of a streamed answer one watched write hands to the connection at most (see {@link #watched}). */
    static final int WATCHED_WRITE = 16 * 1024;

    /**
     * {@code out} with every write (in pieces of at most {@link #WATCHED_WRITE} bytes), flush and the close watched: a
     * client must take each piece within the limit, so a slow one that reads on keeps its stream, and one that stopped
     * reading loses its connection (the interrupt closes it under the blocked write, which then fails as a client gone).
     */
    OutputStream watched(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                for (int at = offset; at < offset + length; at += WATCHED_WRITE) {
                    int piece = Math.min(WATCHED_WRITE, offset + length - at);
                    watch();
                    try {
                        out.write(bytes, at, piece);
                    } finally {
                        unwatch();
                    }
                }
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void flush() throws IOException {
                watch();
                try {
                    out.flush();
                } finally {
                    unwatch();
                }
            }

            @Override
            public void close() throws IOException {
                watch();
                try {
                    out.close();
                } finally {
                    unwatch();
                }
            }
        };
    }

    private void sweep() {
        long now = System.nanoTime();
        watched.forEach((thread, watch) -> {
            synchronized (watch) {
                if (watch.armed && now - watch.deadline > 0) {
                    watch.armed = false;
                    watch.fired = true;
                    thread.interrupt();
                }
                if (!watch.armed) {
                    watched.remove(thread, watch);
                }
            }
        });
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }
}
