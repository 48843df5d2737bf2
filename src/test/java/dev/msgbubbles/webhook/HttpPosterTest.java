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
 * that never answers times out close to the limit, and one that answers its head at once and then trickles its body
 * is cut off there (its status stands); a prompt answer is unaffected. A raw socket server on 127.0.0.1 plays the
 * endpoint.
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
                            String head = readHead(socket.getInputStream());
                            behaviour.answer(head, socket.getOutputStream());
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

    /** Answers one request, given its head (request line and headers). */
    private interface SocketBehaviour {
        void answer(String head, OutputStream out) throws IOException, InterruptedException;
    }

    /** The request head, read up to its blank line (the body, if any, is left unread). */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int matched = 0;
        byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
            matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
        }
        return head.toString();
    }

    private RetryPolicy.Answer post(URI url) {
        return poster.post(url, Map.of("webhook-id", "evt_1"), "{\"type\":\"message.sent\"}");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void an_endpoint_that_never_answers_times_out_near_the_limit() throws Exception {
        URI url = serve((head, out) -> Thread.sleep(60_000));
        long start = System.nanoTime();
        RetryPolicy.Answer answer = post(url);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(answer).isEqualTo(new RetryPolicy.Answer.NoResponse("timed out after 300 ms"));
        assertThat(took).isBetween(LIMIT, LIMIT.plus(HttpPoster.tick(LIMIT)).plusMillis(500));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void an_answer_whose_body_trickles_in_ends_at_the_limit_as_the_status_it_came_with() throws Exception {
        // the 200 came in time: the endpoint took the event, and a timeout would have sent it again
        URI url = serve((head, out) -> {
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

        assertThat(answer).isInstanceOfSatisfying(RetryPolicy.Answer.Response.class, response -> {
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.excerpt()).matches("x+ \\[the rest of the body did not come in time]");
        });
        assertThat(took).isBetween(LIMIT, Duration.ofSeconds(2));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void an_answer_whose_connection_breaks_in_its_body_is_the_status_it_came_with() throws Exception {
        URI url = serve((head, out) -> {
            out.write("HTTP/1.1 202 Accepted\r\nContent-Length: 1000\r\n\r\nabc".getBytes(StandardCharsets.US_ASCII));
            out.flush(); // and the connection closes, 997 bytes short
        });

        assertThat(post(url)).isInstanceOfSatisfying(RetryPolicy.Answer.Response.class, response -> {
            assertThat(response.status()).isEqualTo(202);
            assertThat(response.excerpt()).startsWith("abc [the body broke off: ");
        });
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
        URI url = serve((head, out) -> out.write(("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nRetry-After: 7\r\n"
                + "Connection: close\r\n\r\nok").getBytes(StandardCharsets.US_ASCII)));

        assertThat(post(url)).isEqualTo(new RetryPolicy.Answer.Response(202, java.util.Optional.of("7"), "ok"));
        assertThat(post(url)).as("a second attempt, on a new connection")
                .isInstanceOf(RetryPolicy.Answer.Response.class);
    }

    /** A post with a timeout no slow first use of the client can reach: for answers judged on their content. */
    private static RetryPolicy.Answer patiently(URI url) {
        try (HttpPoster patient = new HttpPoster(Duration.ofSeconds(5), new UrlGuard(UrlGuard.systemResolver(), true), 8, 8)) {
            return patient.post(url, Map.of("webhook-id", "evt_1"), "{\"type\":\"message.sent\"}");
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void an_answer_with_an_oversized_header_is_refused_not_buffered_whole() throws Exception {
        // a header line four times the limit: without one the client keeps growing one buffer for a line for as long
        // as it comes, up to the timeout (an endpoint on a fast link could fill the heap, times the attempts in flight)
        URI url = serve((head, out) -> out.write(("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(4 * HttpPoster.MAX_LINE)
                + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));

        assertThat(patiently(url)).isInstanceOfSatisfying(RetryPolicy.Answer.NoResponse.class,
                none -> assertThat(none.error()).startsWith("no answer: ").containsIgnoringCase("line length"));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void an_error_quoting_the_answer_never_carries_a_nul() throws Exception {
        // a chunk size line holding a NUL: the client's error quotes it, and the error goes in the attempt's record
        // (the status came first: it is the answer, the body's breaking off is noted in its excerpt)
        URI url = serve((head, out) -> out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nz\u0000\r\n"
                .getBytes(StandardCharsets.ISO_8859_1)));

        assertThat(patiently(url)).isInstanceOfSatisfying(RetryPolicy.Answer.Response.class, response -> {
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.excerpt()).startsWith("[the body broke off: ").doesNotContain("\u0000").contains("\uFFFD");
        });
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void an_answer_with_too_many_headers_is_refused() throws Exception {
        URI url = serve((head, out) -> {
            StringBuilder answer = new StringBuilder("HTTP/1.1 200 OK\r\n");
            for (int i = 0; i < 2 * HttpPoster.MAX_HEADERS; i++) {
                answer.append("X-H").append(i).append(": v\r\n");
            }
            out.write(answer.append("Content-Length: 0\r\n\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        });

        assertThat(patiently(url)).isInstanceOfSatisfying(RetryPolicy.Answer.NoResponse.class,
                none -> assertThat(none.error()).startsWith("no answer: ").containsIgnoringCase("header"));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void a_2xx_whose_body_never_ends_succeeds_with_its_excerpt() throws Exception {
        // the endpoint has answered: its status is the outcome, whatever follows (reading the rest to the deadline
        // turned an accepted delivery into a timeout, and so into a retry: the event sent again and again)
        URI url = serve((head, out) -> {
            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = ("400\r\n" + "z".repeat(1024) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            while (true) {
                out.write(chunk);
            }
        });
        long start = System.nanoTime();
        RetryPolicy.Answer answer = patiently(url);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(answer).isEqualTo(new RetryPolicy.Answer.Response(200, java.util.Optional.empty(),
                "z".repeat(HttpPoster.EXCERPT_BYTES)));
        assertThat(took).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void a_2xx_with_a_large_body_succeeds_without_reading_it_all() throws Exception {
        URI url = serve((head, out) -> {
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] block = new byte[64 * 1024];
            java.util.Arrays.fill(block, (byte) 'y');
            while (true) {
                out.write(block);
            }
        });

        for (int i = 0; i < 12; i++) { // more than the poster's 8 connections: an aborted one goes back to the pool
            assertThat(post(url)).isEqualTo(new RetryPolicy.Answer.Response(200, java.util.Optional.empty(),
                    "y".repeat(HttpPoster.EXCERPT_BYTES)));
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void a_short_chunked_answer_keeps_its_connection_for_the_next_attempt() throws Exception {
        java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> {
                        try (socket) {
                            InputStream in = socket.getInputStream();
                            while (!readHead(in).isEmpty()) {
                                in.readNBytes("{\"type\":\"message.sent\"}".length());
                                socket.getOutputStream().write(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        + "2\r\nok\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                            }
                        } catch (IOException e) {
                            // closed
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        URI url = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/hook");

        for (int i = 0; i < 3; i++) {
            assertThat(post(url)).isEqualTo(new RetryPolicy.Answer.Response(200, java.util.Optional.empty(), "ok"));
        }
        assertThat(connections).hasValue(1);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void an_endpoint_that_hangs_does_not_hold_up_another_on_the_same_host() throws Exception {
        // two endpoints (paths) of one host and port, each allowed one attempt at a time: the per-endpoint limit is
        // the delivery job's, per endpoint; the client's connections to one host must not be capped at it too
        try (HttpPoster onePerEndpoint = new HttpPoster(LIMIT, new UrlGuard(UrlGuard.systemResolver(), true), 8, 1)) {
            URI slow = serve((head, out) -> {
                if (head.startsWith("POST /slow ")) {
                    Thread.sleep(60_000);
                }
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
            }).resolve("/slow");
            URI fast = slow.resolve("/fast");
            Thread hanging = Thread.ofVirtual().start(() -> onePerEndpoint.post(slow, Map.of(), "{}"));
            Thread.sleep(LIMIT.toMillis() / 3); // the slow attempt holds its connection now

            long start = System.nanoTime();
            RetryPolicy.Answer answer = onePerEndpoint.post(fast, Map.of(), "{}");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            hanging.join();

            assertThat(answer).isEqualTo(new RetryPolicy.Answer.Response(200, java.util.Optional.empty(), "ok"));
            assertThat(took).isLessThan(LIMIT.dividedBy(2));
        }
    }
}
