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
