package dev.msgbubbles.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * POSTs a delivery with the JDK client: HTTP/1.1 with keep-alive, redirects never followed, {@code timeout} for the
 * connection and again for the answer's headers. Reads at most {@link #EXCERPT_BYTES} of the answer's body for the
 * log; closing the
 * body hands the rest to the client, which discards it.
 */
final class HttpPoster {
    static final int EXCERPT_BYTES = 1024;
    private final HttpClient client;
    private final Duration timeout;

    HttpPoster(Duration timeout) {
        this.timeout = timeout;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout)
                .build();
    }

    RetryPolicy.Answer post(URI url, Map<String, String> headers, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "MsgBubbles-Webhooks/1")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(request::header);
        try {
            HttpResponse<InputStream> response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            String excerpt;
            try (InputStream in = response.body()) {
                excerpt = new String(in.readNBytes(EXCERPT_BYTES), StandardCharsets.UTF_8);
            } catch (IOException e) {
                excerpt = "";
            }
            return new RetryPolicy.Answer.Response(response.statusCode(),
                    response.headers().firstValue("Retry-After"), excerpt.isEmpty() ? null : excerpt);
        } catch (HttpTimeoutException e) {
            return new RetryPolicy.Answer.NoResponse("timed out after " + timeout.toMillis() + " ms");
        } catch (ConnectException e) {
            return new RetryPolicy.Answer.NoResponse("connection failed: " + describe(e));
        } catch (IOException e) {
            return new RetryPolicy.Answer.NoResponse("no answer: " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RetryPolicy.Answer.NoResponse("interrupted (server shutting down)");
        } catch (IllegalArgumentException e) {
            return new RetryPolicy.Answer.NoResponse("cannot send: " + describe(e));
        }
    }

    private static String describe(Exception e) {
        String message = Optional.ofNullable(e.getMessage()).filter(m -> !m.isBlank())
                .orElse(e.getClass().getSimpleName());
        return message.length() <= 200 ? message : message.substring(0, 200);
    }
}
