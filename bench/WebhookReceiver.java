// A webhook endpoint for the benchmark (bench/webhooks.sh): verifies every delivery with the published Standard
// Webhooks library (com.standardwebhooks, not our own code), counts deliveries, verified ones, distinct webhook-ids
// (receivers deduplicate on it) and failures, and answers 204. Run as a single-file program:
//
//   java -cp standardwebhooks-1.2.0.jar bench/WebhookReceiver.java PORT
//
// POST /secret (body: the whsec_ secret) arms it; GET /stats answers
// "received verified distinct bad first_ms last_ms". Listens on 127.0.0.1 only.
import com.sun.net.httpserver.HttpServer;
import com.standardwebhooks.Webhook;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

public class WebhookReceiver {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        AtomicLong received = new AtomicLong(), verified = new AtomicLong(), bad = new AtomicLong();
        AtomicLong first = new AtomicLong(), last = new AtomicLong();
        Set<String> ids = ConcurrentHashMap.newKeySet();
        Webhook[] verifier = new Webhook[1];
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/secret", exchange -> {
            try (exchange) {
                String secret = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).strip();
                try {
                    verifier[0] = new Webhook(secret);
                    exchange.sendResponseHeaders(204, -1);
                } catch (Exception e) {
                    exchange.sendResponseHeaders(400, -1);
                }
            }
        });
        server.createContext("/stats", exchange -> {
            try (exchange) {
                byte[] body = (received.get() + " " + verified.get() + " " + ids.size() + " " + bad.get() + " "
                        + first.get() + " " + last.get() + "\n").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.createContext("/hook", exchange -> {
            try (exchange) {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                received.incrementAndGet();
                var h = exchange.getRequestHeaders();
                String id = h.getFirst("webhook-id");
                try {
                    verifier[0].verify(body, Map.of("webhook-id", List.of(id),
                            "webhook-timestamp", List.of(h.getFirst("webhook-timestamp")),
                            "webhook-signature", List.of(h.getFirst("webhook-signature"))));
                    long now = System.currentTimeMillis();
                    first.compareAndSet(0, now);
                    last.set(now);
                    verified.incrementAndGet();
                    ids.add(id);
                } catch (Exception e) {
                    bad.incrementAndGet();
                }
                exchange.sendResponseHeaders(204, -1);
            }
        });
        server.start();
        System.out.println("receiver listening on 127.0.0.1:" + port);
    }
}
