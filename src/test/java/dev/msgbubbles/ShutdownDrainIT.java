package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.ServerProcess;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code MSGBUBBLES_SHUTDOWN_DRAIN_SECONDS}: after SIGTERM the server first says it is not ready ({@code /readyz}
 * 503, naming the stop) while it still serves every request, each answer closing its connection, so that a load balancer stops sending it traffic before
 * its port closes; then it stops as without a drain. Nothing accepted during the drain is lost. The readiness
 * composition does not depend on the store, so SQLite alone runs it.
 */
class ShutdownDrainIT {
    private static final Duration DRAIN = Duration.ofSeconds(4); // room for a loaded machine: the requests below must fall within it

    private static Map<String, String> env(TestStore store, Duration drain) {
        Map<String, String> env = new HashMap<>(store.environment());
        env.put("MSGBUBBLES_PORT", "0");
        env.put("MSGBUBBLES_SANDBOX_TIME_SCALE", "0");
        env.put("MSGBUBBLES_RATE_LIMIT_PER_MINUTE", "1000000");
        env.put("MSGBUBBLES_SHUTDOWN_DRAIN_SECONDS", Long.toString(drain.toSeconds()));
        return env;
    }

    private static String send(String text) {
        return "{\"to\":\"+14155551234\",\"from_handle\":\"+18005550100\",\"text\":\"" + text + "\"}";
    }

    /** One connection, requests written by hand: whether the server keeps it open between answers. */
    private static final class KeepAlive implements AutoCloseable {
        private final java.net.Socket socket;

        KeepAlive(int port) throws java.io.IOException {
            socket = new java.net.Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
        }

        /** The answer's head and body, lower-cased (bodies here are small JSON with a Content-Length). */
        String get(String path) throws java.io.IOException {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            var in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (head.indexOf("\r\n\r\n") < 0) {
                int b = in.read();
                assertThat(b).as("an answer").isNotNegative();
                head.append((char) b);
            }
            String text = head.toString().toLowerCase(java.util.Locale.ROOT);
            java.util.regex.Matcher length = java.util.regex.Pattern.compile("content-length: *(\\d+)").matcher(text);
            assertThat(length.find()).as(text).isTrue();
            byte[] body = in.readNBytes(Integer.parseInt(length.group(1)));
            return text + new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }

        /** Whether the server has closed the connection (end of stream rather than more bytes or a timeout). */
        boolean closed() throws java.io.IOException {
            return socket.getInputStream().read() < 0;
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
        }
    }

    /**
     * An event stream read on a raw connection, on its own thread: the bytes as they come, and when the server ended
     * the connection. The server closes it when the stream ends during a drain, so the end is seen as end of input.
     */
    private static final class RawStream implements AutoCloseable {
        private final java.net.Socket socket;
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        /** When the connection ended ({@link System#nanoTime}); failed if it was cut (a reset) or read too long. */
        final java.util.concurrent.CompletableFuture<Long> ended = new java.util.concurrent.CompletableFuture<>();

        RawStream(int port, String key, String lastEventId) throws java.io.IOException {
            socket = new java.net.Socket("127.0.0.1", port);
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("GET /v1/events/stream HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + key + "\r\n"
                    + (lastEventId == null ? "" : "Last-Event-ID: " + lastEventId + "\r\n") + "\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            Thread.ofVirtual().start(() -> {
                byte[] buffer = new byte[8192];
                try (var in = socket.getInputStream()) {
                    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                        synchronized (bytes) {
                            bytes.write(buffer, 0, n);
                            bytes.notifyAll();
                        }
                    }
                    ended.complete(System.nanoTime());
                } catch (java.io.IOException e) {
                    ended.completeExceptionally(e);
                }
            });
        }

        private byte[] raw() {
            synchronized (bytes) {
                return bytes.toByteArray();
            }
        }

        private static int headEnd(byte[] raw) {
            String text = new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            return end < 0 ? -1 : end + 4;
        }

        /** The answer's head, lower-cased (empty until it is all in). */
        String head() {
            byte[] raw = raw();
            int end = headEnd(raw);
            return end < 0 ? "" : new String(raw, 0, end, java.nio.charset.StandardCharsets.ISO_8859_1)
                    .toLowerCase(java.util.Locale.ROOT);
        }

        /** The body's complete chunks, joined; and whether the last-chunk (the chunked body's proper end) came. */
        private record Body(String text, boolean complete) {
        }

        private Body body() {
            byte[] raw = raw();
            int at = headEnd(raw);
            var out = new java.io.ByteArrayOutputStream();
            while (at >= 0) {
                int lineEnd = new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("\r\n", at);
                if (lineEnd < 0) {
                    break;
                }
                int size = Integer.parseInt(
                        new String(raw, at, lineEnd - at, java.nio.charset.StandardCharsets.US_ASCII).strip(), 16);
                if (size == 0) {
                    return new Body(out.toString(java.nio.charset.StandardCharsets.UTF_8), true);
                }
                if (lineEnd + 2 + size + 2 > raw.length) {
                    break;
                }
                out.write(raw, lineEnd + 2, size);
                at = lineEnd + 2 + size + 2;
            }
            return new Body(out.toString(java.nio.charset.StandardCharsets.UTF_8), false);
        }

        String text() {
            return body().text();
        }

        /** The {@code id:} of every event received so far, in order. */
        List<Long> ids() {
            return text().lines().filter(line -> line.startsWith("id: "))
                    .map(line -> Long.parseLong(line.substring(4).strip())).toList();
        }

        /** Waits until at least {@code count} events have come (fails after 10 s). */
        void awaitEvents(int count) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            synchronized (bytes) {
                while (ids().size() < count) {
                    long left = deadline - System.nanoTime();
                    assertThat(left).as("%d events on the stream within 10 s: %s", count, text()).isPositive();
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(bytes, left);
                }
            }
        }

        /** Waits for the server to end the connection; when it did (nanoTime). */
        long awaitEnd() throws Exception {
            return ended.get(20, java.util.concurrent.TimeUnit.SECONDS);
        }

        /**
         * The stream ended as a drain ends it: a whole chunked body (not cut), whose text ends on an event boundary
         * with the reconnection delay after its last event, every event in it whole.
         */
        void assertEndedCleanly() {
            Body body = body();
            assertThat(body.complete()).as("the chunked body's end, not a cut: %s",
                    new String(raw(), java.nio.charset.StandardCharsets.ISO_8859_1)).isTrue();
            assertThat(body.text()).as("ends on an event boundary").endsWith("\n\n");
            List<String> blocks = List.of(body.text().split("\n\n"));
            assertThat(blocks.getFirst()).startsWith(": stream of events after cursor");
            assertThat(blocks.getLast()).as("the last block").contains("\nretry: 1000").doesNotContain("id:");
            for (String block : blocks) {
                if (block.startsWith("id: ")) {
                    assertThat(block.lines().toList()).as("a whole event").hasSize(3)
                            .satisfies(lines -> assertThat(lines.get(1)).startsWith("event: "))
                            .satisfies(lines -> assertThat(lines.get(2)).startsWith("data: {").endsWith("}"));
                }
            }
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
        }
    }

    /** The cursors of the account's events, oldest first (all of them: fewer than a page here). */
    private static List<Long> cursors(Http http, String key) {
        JsonNode page = http.get("/v1/events?limit=100", key).json();
        assertThat(page.path("has_more").asBoolean()).isFalse();
        List<Long> cursors = new java.util.ArrayList<>();
        page.path("data").forEach(event -> cursors.add(event.path("cursor").asLong()));
        return cursors;
    }

    /**
     * The drain moves event streams to other processes: at its start every open stream ends after a whole event,
     * telling its client to reconnect in a second ({@code retry:}), and its connection closes; a stream opened during
     * the drain is answered 200 (EventSource gives up on anything else) and ends the same way after the events at hand.
     * Resuming from the last {@code id:} gets the next events, none lost or repeated.
     */
    @Test
    void a_drain_ends_event_streams_at_once_on_an_event_boundary_and_new_ones_after_the_events_at_hand()
            throws Exception {
        try (TestStore store = TestStore.sqlite();
             ServerProcess server = ServerProcess.start(env(store, DRAIN))) {
            String key = server.testKey();
            Http http = new Http(server.port());
            for (int i = 0; i < 2; i++) {
                assertThat(http.postJson("/v1/messages", key, send("before " + i)).status()).isEqualTo(202);
            }
            try (RawStream open = new RawStream(server.port(), key, null)) {
                open.awaitEvents(2);
                assertThat(open.head()).startsWith("http/1.1 200").doesNotContain("connection: close");

                long signalled = System.nanoTime();
                server.signalStop();
                long ended = open.awaitEnd();
                Duration took = Duration.ofNanos(ended - signalled);
                System.err.printf("drain test: the open stream ended %d ms after SIGTERM%n", took.toMillis());
                assertThat(took).as("the open stream ends at the drain's start, not its end")
                        .isLessThan(DRAIN.dividedBy(2));
                open.assertEndedCleanly();
                assertThat(http.get("/readyz", null).status()).as("draining").isEqualTo(503);

                // new events while draining; a stream resumed from the last id gets them, and ends
                List<Long> seen = open.ids();
                assertThat(http.postJson("/v1/messages", key, send("during the drain")).status()).isEqualTo(202);
                assertThat(cursors(http, key).getLast()).as("a new event").isGreaterThan(seen.getLast());
                try (RawStream resumed = new RawStream(server.port(), key, Long.toString(seen.getLast()))) {
                    long opened = System.nanoTime();
                    long resumedEnd = resumed.awaitEnd();
                    assertThat(Duration.ofNanos(resumedEnd - opened)).as("a stream opened while draining ends promptly")
                            .isLessThan(DRAIN.dividedBy(2));
                    assertThat(resumed.head()).startsWith("http/1.1 200").contains("connection: close");
                    resumed.assertEndedCleanly();
                    List<Long> both = new java.util.ArrayList<>(seen);
                    both.addAll(resumed.ids());
                    assertThat(resumed.ids()).isNotEmpty();
                    List<Long> all = cursors(http, key);
                    assertThat(all.subList(0, Math.min(both.size(), all.size())))
                            .as("the two streams' events: every event once, in order").isEqualTo(both);

                    // nothing at hand: the comment line, the reconnection delay, the end
                    try (RawStream caughtUp = new RawStream(server.port(), key, Long.toString(all.getLast()))) {
                        caughtUp.awaitEnd();
                        caughtUp.assertEndedCleanly();
                        assertThat(caughtUp.ids()).isEmpty();
                    }
                }
                assertThat(Duration.ofNanos(System.nanoTime() - signalled)).as("all within the drain")
                        .isLessThan(DRAIN);
            }
            assertThat(server.exitCode(Duration.ofSeconds(30))).isEqualTo(143);
            List<String> lines = server.lines();
            assertThat(lines).noneMatch(line -> line.contains(" ERROR ") || line.startsWith("\tat "));
            assertThat(lines).last().asString().contains("stopped cleanly");
        }
    }

    @Test
    void a_stop_first_answers_readyz_503_while_it_still_serves_requests_then_ends() throws Exception {
        try (TestStore store = TestStore.sqlite()) {
            String duringDrain;
            String key;
            try (ServerProcess server = ServerProcess.start(env(store, DRAIN))) {
                key = server.testKey();
                Http http = new Http(server.port());
                assertThat(http.get("/readyz", null).status()).isEqualTo(200);
                try (KeepAlive before = new KeepAlive(server.port())) {
                    assertThat(before.get("/healthz")).doesNotContain("connection: close");
                    assertThat(before.get("/healthz")).as("a kept-alive connection serves a second request")
                            .startsWith("http/1.1 200");
                }

                long signalled = System.nanoTime();
                server.signalStop();
                Http.Response ready = http.get("/readyz", null);
                while (ready.status() == 200) {
                    assertThat(Duration.ofNanos(System.nanoTime() - signalled)).as("readyz says 503 soon after SIGTERM")
                            .isLessThan(DRAIN);
                    ready = http.get("/readyz", null);
                }
                assertThat(ready.status()).isEqualTo(503);
                assertThat(ready.json().path("error").asText()).isEqualTo("unavailable");
                assertThat(ready.json().path("message").asText()).contains("stopping");

                // still served: the API, the process's own health, metrics
                Http.Response accepted = http.postJson("/v1/messages", key, send("during the drain"));
                assertThat(Duration.ofNanos(System.nanoTime() - signalled)).as("still within the drain").isLessThan(DRAIN);
                assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
                duringDrain = accepted.json().path("data").path("id").asText();
                assertThat(http.get("/v1/messages/" + duringDrain, key).status()).isEqualTo(200);
                assertThat(http.get("/healthz", null).status()).isEqualTo(200);
                assertThat(http.get("/metrics", null).status()).isEqualTo(200);
                // each answer now closes its connection, so that clients reconnect elsewhere before the port closes
                try (KeepAlive during = new KeepAlive(server.port())) {
                    assertThat(during.get("/healthz")).startsWith("http/1.1 200").contains("connection: close");
                    assertThat(during.closed()).as("the server closed the connection after its answer").isTrue();
                }

                Integer code = server.exitCode(Duration.ofSeconds(30));
                Duration took = Duration.ofNanos(System.nanoTime() - signalled);
                assertThat(code).as("exit code after SIGTERM (128 + 15)").isEqualTo(143);
                assertThat(took).as("the drain is waited out, then the stop is as quick as without one")
                        .isGreaterThanOrEqualTo(DRAIN).isLessThan(DRAIN.plusSeconds(15));
                List<String> lines = server.lines();
                assertThat(lines).anyMatch(line -> line.contains("/readyz answers 503 while requests are still served for 4 s"));
                assertThat(lines).noneMatch(line -> line.contains(" ERROR ") || line.startsWith("\tat "));
                assertThat(lines).last().asString().contains("stopped cleanly");
            }
            // what was accepted during the drain is not lost: it goes out (before the stop, or after a restart)
            try (ServerProcess again = ServerProcess.start(env(store, Duration.ZERO))) {
                Http http = new Http(again.port());
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                JsonNode message = http.get("/v1/messages/" + duringDrain, key).json().path("data");
                while (!Set.of("delivered", "read").contains(message.path("status").asText())) {
                    assertThat(System.nanoTime()).as("sent within 30 s: %s", message).isLessThan(deadline);
                    Thread.onSpinWait();
                    message = http.get("/v1/messages/" + duringDrain, key).json().path("data");
                }
            }
        }
    }
}
