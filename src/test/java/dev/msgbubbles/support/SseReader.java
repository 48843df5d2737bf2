package dev.msgbubbles.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Reads an SSE response ({@code GET /v1/events/stream}) line by line on its own thread, so a test can wait for lines with a timeout. */
public final class SseReader implements AutoCloseable {
    public final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    public final HttpResponse<InputStream> response;
    private final InputStream body;

    /** {@code query} starts with {@code ?} or is empty; {@code lastEventId} null sends no such header. */
    public SseReader(int port, String apiKey, String query, String lastEventId) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/events/stream" + query))
                .header("Authorization", "Bearer " + apiKey);
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        body = response.body();
        Thread.ofVirtual().start(() -> {
            try (var reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // closed by the test
            }
        });
    }

    /** The next line that starts with {@code prefix}, skipping others; fails after 10 s. */
    public String next(String prefix) throws InterruptedException {
        while (true) {
            String line = lines.poll(10, TimeUnit.SECONDS);
            assertThat(line).as("a line starting with '%s' within 10 s", prefix).isNotNull();
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
