package dev.msgbubbles.support;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;

/**
 * A webhook endpoint on 127.0.0.1 whose answers the test plans (status, delay, headers, body) and which records
 * every request it gets. Without a plan it answers 200. {@link #close} stops it.
 */
public final class Receiver implements AutoCloseable {
    /** A planned answer. */
    public record Answer(int status, Duration delay, Map<String, String> headers, String body) {
        public static Answer status(int status) {
            return new Answer(status, Duration.ZERO, Map.of(), "");
        }

        public Answer withHeader(String name, String value) {
            Map<String, String> more = new LinkedHashMap<>(headers);
            more.put(name, value);
            return new Answer(status, delay, more, body);
        }

        public Answer after(Duration wait) {
            return new Answer(status, wait, headers, body);
        }

        public Answer withBody(String text) {
            return new Answer(status, delay, headers, text);
        }
    }

    /** A request as it arrived: path, headers (names in lower case, first value) and body. */
    public record Request(String path, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The headers in the shape the Standard Webhooks verifier takes. */
        public Map<String, List<String>> verifierHeaders() {
            return Map.of("webhook-id", List.of(header("webhook-id")),
                    "webhook-timestamp", List.of(header("webhook-timestamp")),
                    "webhook-signature", List.of(header("webhook-signature")));
        }
    }

    private final HttpServer server;
    private final Map<String, ConcurrentLinkedQueue<Answer>> plans = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<Request> requests = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Paths whose requests are held (recorded, then left unanswered) until {@link #release}. */
    private final Map<String, java.util.concurrent.CountDownLatch> holds = new java.util.concurrent.ConcurrentHashMap<>();

    public Receiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                Map<String, String> headers = new LinkedHashMap<>();
                exchange.getRequestHeaders().forEach((name, values) ->
                        headers.put(name.toLowerCase(Locale.ROOT), values.getFirst()));
                Answer answer = Optional.ofNullable(plans.get(exchange.getRequestURI().getPath()))
                        .map(ConcurrentLinkedQueue::poll).orElse(Answer.status(200));
                String path = exchange.getRequestURI().getPath();
                synchronized (requests) {
                    requests.add(new Request(path, headers, new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                    requests.notifyAll();
                }
                java.util.concurrent.CountDownLatch held = holds.get(path);
                if (held != null) {
                    held.await(); // an endpoint that accepts the request and never answers, until released
                }
                if (!answer.delay().isZero()) {
                    Thread.sleep(answer.delay()); // the endpoint being slow is what such a test is about
                }
                answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
                byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
                if (body.length > 0) {
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // the client gave up (a timeout test): nothing to answer
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    /** The URL of {@code path} on this receiver. */
    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Answers the next requests to {@code path} with {@code answers}, in order; then 200 again. */
    public void plan(String path, Answer... answers) {
        plans.computeIfAbsent(path, p -> new ConcurrentLinkedQueue<>()).addAll(List.of(answers));
    }

    /** Forgets the answers still planned for {@code path}: its next requests are answered 200. */
    public void unplan(String path) {
        plans.remove(path);
    }

    /**
     * Holds the requests to {@code path} from now on: each is recorded, then left unanswered (the connection open)
     * until {@link #release}, as an endpoint that hangs does.
     */
    public void hold(String path) {
        holds.put(path, new java.util.concurrent.CountDownLatch(1));
    }

    /** Answers the held requests to {@code path} (as planned, 200 without a plan), and those to come at once. */
    public void release(String path) {
        java.util.concurrent.CountDownLatch held = holds.remove(path);
        if (held != null) {
            held.countDown();
        }
    }

    /** Waits up to {@code within} until {@code path} has had {@code count} requests; whether it had. */
    public boolean await(String path, int count, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        synchronized (requests) {
            while (requests.stream().filter(r -> r.path().equals(path)).count() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(requests, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** Every request so far, in arrival order. */
    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Requests to {@code path}, in arrival order. */
    public List<Request> requests(String path) {
        return requests().stream().filter(r -> r.path().equals(path)).toList();
    }

    @Override
    public void close() {
        List.copyOf(holds.keySet()).forEach(this::release);
        server.stop(0);
    }
}
