package dev.msgbubbles.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The attempt timeout bounds the whole exchange once connected, though reads have no socket timeout: an endpoint
 * that never answers, and one that answers its head at once and then trickles its body, both time out close to
 * the limit; a prompt answer is unaffected. A raw socket server on 127.0.0.1 plays the endpoint.
 */
class HttpPosterTest {
    private static final Duration LIMIT = Duration.ofMillis(300);
    private final HttpPoster poster = new HttpPoster(LIMIT, new UrlGuard(UrlGuard.systemResolver(), true), 8, 8);
    private ServerSocket server;

    @AfterEach
    void close() throws IOException {
        poster.close();
        if (server != null) {
            server.close();
        }
    }

    /** Serves each connection with {@code behaviour} on its own thread. */
    private URI serve(SocketBehaviour behaviour) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (socket) {
                            readHead(socket.getInputStream());
                            behaviour.answer(socket.getOutputStream());
                        } catch (IOException | InterruptedException e) {
                            // the client went away: expected when it times out
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/hook");
    }

    private interface SocketBehaviour {
        void answer(OutputStream out) throws IOException, InterruptedException;
    }

    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                return;
            }
            matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
        }
    }

    private RetryPolicy.Answer post(URI url) {
        return poster.post(url, Map.of("webhook-id", "evt_1"), "{\"type\":\"message.sent\"}");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void an_endpoint_that_never_answers_times_out_near_the_limit() throws Exception {
        URI url = serve(out -> Thread.sleep(60_000));
        long start = System.nanoTime();
        RetryPolicy.Answer answer = post(url);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(answer).isEqualTo(new RetryPolicy.Answer.NoResponse("timed out after 300 ms"));
        assertThat(took).isBetween(LIMIT, LIMIT.plus(HttpPoster.tick(LIMIT)).plusMillis(500));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void an_answer_whose_body_trickles_in_times_out_too() throws Exception {
        URI url = serve(out -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (int i = 0; i < 1000; i++) {
                out.write('x');
                out.flush();
                Thread.sleep(50);
            }
        });
        long start = System.nanoTime();
        RetryPolicy.Answer answer = post(url);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(answer).isEqualTo(new RetryPolicy.Answer.NoResponse("timed out after 300 ms"));
        assertThat(took).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void a_url_the_client_cannot_take_is_an_attempt_without_response_not_an_exception() {
        // a port out of range, as stored before the guard refused it: the delivery records a failed attempt (and is
        // retried, then given up) rather than failing its job over and over without one
        assertThat(poster.post(URI.create("http://127.0.0.1:65536/hook"), java.util.Map.of(), "{}"))
                .isInstanceOfSatisfying(RetryPolicy.Answer.NoResponse.class,
                        none -> assertThat(none.error()).contains("cannot send"));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void a_prompt_answer_comes_back_with_its_status_and_body() throws Exception {
        URI url = serve(out -> out.write(("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nRetry-After: 7\r\n"
                + "Connection: close\r\n\r\nok").getBytes(StandardCharsets.US_ASCII)));

        assertThat(post(url)).isEqualTo(new RetryPolicy.Answer.Response(202, java.util.Optional.of("7"), "ok"));
        assertThat(post(url)).as("a second attempt, on a new connection")
                .isInstanceOf(RetryPolicy.Answer.Response.class);
    }
}
