// A webhook endpoint for the benchmark (bench/webhooks.sh): verifies every delivery with the published Standard
// Webhooks library (com.standardwebhooks, not our own code), counts deliveries, verified ones, distinct webhook-ids
// (receivers deduplicate on it) and failures, and answers 204. Run as a single-file program:
//
//   java -cp standardwebhooks-1.2.0.jar bench/WebhookReceiver.java PORT
//
// POST /secret (body: the whsec_ secret) arms it; GET /stats answers
// "received verified distinct bad first_ms last_ms". Listens on 127.0.0.1 only.
//
// HTTP/1.1 is parsed by hand on blocking sockets, one virtual thread per keep-alive connection, like the asyncio
// sink of Kannel's benchmark (../shared/bench/kannel/sink.py, written "so the sink is not the bottleneck"): the
// JDK's com.sun.net.httpserver took about 50 µs of CPU per delivery here, a quarter of a core at 5,000 deliveries a
// second on a two-core machine shared with the server and its database. It understands what the benchmark sends:
// requests with a Content-Length body or none (no chunked bodies: answered 411, connection closed).
import com.standardwebhooks.Webhook;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

public class WebhookReceiver {
    static final AtomicLong received = new AtomicLong(), verified = new AtomicLong(), bad = new AtomicLong();
    static final AtomicLong first = new AtomicLong(), last = new AtomicLong();
    static final Set<String> ids = ConcurrentHashMap.newKeySet();
    static volatile Webhook verifier;

    static final byte[] NO_CONTENT = "HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    static final int MAX_HEAD = 16 * 1024, MAX_BODY = 1024 * 1024;

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        System.out.println("receiver listening on 127.0.0.1:" + port);
        while (true) {
            Socket socket = server.accept();
            Thread.ofVirtual().start(() -> serve(socket));
        }
    }

    /** One connection: requests answered in turn until the peer closes it or sends something we do not take. */
    static void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1024);
            while (true) {
                String requestLine = line(in);
                if (requestLine == null) {
                    return;
                }
                if (requestLine.isEmpty()) {
                    continue; // a stray CRLF between requests
                }
                Map<String, String> headers = new HashMap<>();
                int headBytes = requestLine.length();
                for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                    headBytes += header.length();
                    if (headBytes > MAX_HEAD) {
                        answer(out, 431, "");
                        return;
                    }
                    int colon = header.indexOf(':');
                    if (colon > 0) {
                        headers.put(header.substring(0, colon).strip().toLowerCase(), header.substring(colon + 1).strip());
                    }
                }
                if (headers.containsKey("transfer-encoding")) {
                    answer(out, 411, "");
                    return;
                }
                int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
                if (length < 0 || length > MAX_BODY) {
                    answer(out, 413, "");
                    return;
                }
                byte[] body = in.readNBytes(length);
                if (body.length < length) {
                    return;
                }
                String[] parts = requestLine.split(" ");
                String path = parts.length > 1 ? parts[1] : "/";
                switch (path) {
                    case "/hook" -> {
                        hook(new String(body, StandardCharsets.UTF_8), headers);
                        out.write(NO_CONTENT);
                        out.flush();
                    }
                    case "/secret" -> {
                        try {
                            verifier = new Webhook(new String(body, StandardCharsets.UTF_8).strip());
                            answer(out, 204, null);
                        } catch (Exception e) {
                            answer(out, 400, "");
                        }
                    }
                    case "/stats" -> answer(out, 200, received.get() + " " + verified.get() + " " + ids.size() + " "
                            + bad.get() + " " + first.get() + " " + last.get() + "\n");
                    default -> answer(out, 404, "");
                }
                if ("close".equalsIgnoreCase(headers.get("connection"))) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the peer went away or sent something malformed: drop the connection
        }
    }

    static void hook(String body, Map<String, String> h) {
        received.incrementAndGet();
        String id = h.get("webhook-id");
        try {
            verifier.verify(body, Map.of("webhook-id", List.of(id),
                    "webhook-timestamp", List.of(h.get("webhook-timestamp")),
                    "webhook-signature", List.of(h.get("webhook-signature"))));
            long now = System.currentTimeMillis();
            first.compareAndSet(0, now);
            last.set(now);
            verified.incrementAndGet();
            ids.add(id);
        } catch (Exception e) {
            bad.incrementAndGet();
        }
    }

    /** A status with a body ({@code null}: none, as for 204). */
    static void answer(OutputStream out, int status, String body) throws IOException {
        String reason = switch (status) {
            case 200 -> "OK";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            default -> "Request Header Fields Too Large";
        };
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n");
        byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        if (bytes != null) {
            head.append("Content-Type: text/plain\r\nContent-Length: ").append(bytes.length).append("\r\n");
        }
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        if (bytes != null) {
            out.write(bytes);
        }
        out.flush();
    }

    /** A line without its CRLF (ISO-8859-1), or null at the end of the stream. */
    static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder(64);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            if (line.length() > MAX_HEAD) {
                throw new IOException("line too long");
            }
            line.append((char) c);
        }
        return line.isEmpty() ? null : line.toString();
    }
}
