package dev.msgbubbles.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * POSTs a delivery (Apache HttpClient 5, blocking, on the caller's virtual thread): pooled keep-alive connections,
 * redirects never followed, no automatic retries (the schedule decides), {@code timeout} for connecting, for a free
 * pooled connection and for the whole exchange once connected. That last one is not a socket timeout, which bounds
 * each read alone (an endpoint sending a byte every few seconds held an attempt for hours) and parks the virtual
 * thread with a timer on every read. One thread instead looks at the attempts in flight every {@link #tick} and
 * aborts those past their deadline. Names are resolved through {@link UrlGuard#connectable},
 * so a connection only ever goes to an address the guard accepted at that moment. At most
 * {@link #EXCERPT_BYTES} of an answer's body is kept for the log; a small rest is read so the connection can be
 * reused, a large or unbounded one is not read at all: the exchange is aborted and its connection closed (closing
 * the body's stream would read it to its end, and an answer whose status came in time would time out on its body).
 * An answer's head is bounded too ({@link #MAX_LINE} per line, {@link #MAX_HEADERS} lines): the client would
 * otherwise grow one buffer for as long as an endpoint sends a header, up to the timeout, in every attempt in flight.
 *
 * <p>What an endpoint sends is kept as text the store can hold ({@link #storable}): a NUL, which PostgreSQL's
 * {@code text} refuses, becomes U+FFFD in the excerpt and in errors that quote the answer.
 *
 * <p>The connections to one host and port are capped only by the total: endpoints are per URL, and several (of one
 * customer or many) often share a host; the per-endpoint limit is {@link DeliveryJob}'s, so one endpoint that hangs
 * does not take the connections another on the same host needs.
 */
final class HttpPoster implements AutoCloseable {
    static final int EXCERPT_BYTES = 1024;
    private static final long REUSE_LIMIT = 64 * 1024;
    /** The longest line of an answer's head (Apache httpd's default for a request's, 8 KiB). */
    static final int MAX_LINE = 8 * 1024;
    /** The most header lines of an answer's head (Apache httpd's default for a request's, 100). */
    static final int MAX_HEADERS = 100;
    private final CloseableHttpClient client;
    private final Duration timeout;
    private final java.util.Set<InFlight> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.ScheduledExecutorService deadlines;

    /** An attempt under way: aborted by the deadline thread once {@code deadline} (System.nanoTime) has passed. */
    private record InFlight(HttpPost post, long deadline, java.util.concurrent.atomic.AtomicBoolean expired) {
    }

    HttpPoster(Duration timeout, UrlGuard guard, int connections, int perEndpoint) {
        this.timeout = timeout;
        Timeout limit = Timeout.of(timeout);
        this.deadlines = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "webhook-deadlines");
            thread.setDaemon(true);
            return thread;
        });
        long tick = tick(timeout).toNanos();
        deadlines.scheduleAtFixedRate(this::abortExpired, tick, tick, java.util.concurrent.TimeUnit.NANOSECONDS);
        DnsResolver resolver = new DnsResolver() {
            @Override
            public InetAddress[] resolve(String host) throws UnknownHostException {
                return guard.connectable(host).toArray(InetAddress[]::new);
            }

            @Override
            public String resolveCanonicalHostname(String host) {
                return host;
            }
        };
        this.client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(resolver)
                        .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                                .http1Config(Http1Config.custom().setMaxLineLength(MAX_LINE)
                                        .setMaxHeaderCount(MAX_HEADERS).build())
                                .build())
                        .setMaxConnTotal(connections)
                        .setMaxConnPerRoute(connections) // not perEndpoint: see the class comment
                        .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(limit)
                                .setSocketTimeout(Timeout.DISABLED).setTimeToLive(TimeValue.ofMinutes(5)).build())
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.DISABLED)
                        .setConnectionRequestTimeout(limit).build())
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .evictIdleConnections(TimeValue.ofSeconds(30))
                .setUserAgent("MsgBubbles-Webhooks/1")
                .build();
    }

    RetryPolicy.Answer post(URI url, Map<String, String> headers, String body) {
        HttpPost post;
        try {
            post = new HttpPost(url); // refuses what UrlGuard let through before it checked ports
        } catch (IllegalArgumentException e) {
            return new RetryPolicy.Answer.NoResponse("cannot send: " + describe(e));
        }
        post.setEntity(new StringEntity(body, ContentType.APPLICATION_JSON));
        headers.forEach(post::setHeader);
        InFlight attempt = new InFlight(post, System.nanoTime() + timeout.toNanos(),
                new java.util.concurrent.atomic.AtomicBoolean());
        inFlight.add(attempt);
        ClassicHttpResponse response = null;
        try {
            response = client.executeOpen(null, post, null);
            Header retryAfter = response.getFirstHeader("Retry-After");
            return new RetryPolicy.Answer.Response(response.getCode(),
                    Optional.ofNullable(retryAfter).map(Header::getValue), excerpt(post, response.getEntity(), attempt));
        } catch (IOException e) {
            return attempt.expired().get() ? timedOut() : failed(e);
        } catch (IllegalArgumentException e) {
            return new RetryPolicy.Answer.NoResponse("cannot send: " + describe(e));
        } finally {
            inFlight.remove(attempt);
            closeQuietly(response);
        }
    }

    /** Releases an answer whose outcome is known: a failure to close it (an aborted exchange) changes nothing. */
    private static void closeQuietly(ClassicHttpResponse response) {
        if (response == null) {
            return;
        }
        try {
            response.close();
        } catch (IOException e) {
            // the connection is gone, which is all closing was for
        }
    }

    private RetryPolicy.Answer timedOut() {
        return new RetryPolicy.Answer.NoResponse("timed out after " + timeout.toMillis() + " ms");
    }

    private RetryPolicy.Answer failed(IOException e) {
        return switch (e) {
            case SocketTimeoutException connecting -> timedOut(); // connecting: the only socket timeout left
            case UnknownHostException unknown -> new RetryPolicy.Answer.NoResponse("not connected: " + describe(e));
            case ConnectException refused -> new RetryPolicy.Answer.NoResponse("connection failed: " + describe(e));
            default -> new RetryPolicy.Answer.NoResponse("no answer: " + describe(e));
        };
    }

    /** How often the deadline thread looks: a tenth of the timeout, from 10 to 100 ms. */
    static Duration tick(Duration timeout) {
        long millis = Math.clamp(timeout.toMillis() / 10, 10, 100);
        return Duration.ofMillis(millis);
    }

    /** Aborts every attempt past its deadline (the blocked read or write then fails, and the attempt times out). */
    private void abortExpired() {
        long now = System.nanoTime();
        for (InFlight attempt : inFlight) {
            if (now - attempt.deadline() >= 0 && attempt.expired().compareAndSet(false, true)) {
                attempt.post().cancel();
            }
        }
    }

    /**
     * The start of the body. The rest is read (for reuse of the connection) only when its declared length is small;
     * otherwise {@code post} is aborted, which closes the connection without reading on.
     *
     * <p>The status has come by then, and it is the answer, whatever becomes of the body: a body that stops coming
     * (cut off by the attempt's deadline, or the connection breaking) ends the excerpt where it stopped, and the
     * connection is closed. Timing out on it instead turned a {@code 2xx} the endpoint had sent, and so an event it
     * had taken, into a retry: the same event sent to it again.
     */
    private static String excerpt(HttpPost post, HttpEntity entity, InFlight attempt) {
        if (entity == null) {
            return null;
        }
        byte[] head = new byte[EXCERPT_BYTES];
        int read = 0;
        String cut = null;
        try {
            InputStream in = entity.getContent();
            for (int n; read < head.length && (n = in.read(head, read, head.length - read)) >= 0; ) {
                read += n;
            }
            long length = entity.getContentLength();
            if (read < EXCERPT_BYTES) {
                in.close(); // read to its end already: the connection can be reused
            } else if (length >= 0 && length <= REUSE_LIMIT) {
                EntityUtils.consume(entity);
            } else {
                post.cancel();
            }
        } catch (IOException e) {
            post.cancel();
            cut = attempt.expired().get() ? "[the rest of the body did not come in time]"
                    : "[the body broke off: " + describe(e) + "]";
        }
        String excerpt = storable(new String(head, 0, read, StandardCharsets.UTF_8));
        if (cut != null) {
            excerpt = excerpt.isEmpty() ? cut : excerpt + " " + cut;
        }
        return excerpt.isEmpty() ? null : excerpt;
    }

    /**
     * {@code text} with each NUL replaced by U+FFFD. An answer's bytes (its body, or a malformed head an error quotes)
     * become attempt records, and PostgreSQL refuses a NUL in text: the record failed, the delivery stayed pending
     * without attempts, and its job sent the event again after every backoff, for ever.
     */
    static String storable(String text) {
        return text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', '\uFFFD');
    }

    private static String describe(Exception e) {
        String message = Optional.ofNullable(e.getMessage()).filter(m -> !m.isBlank())
                .orElse(e.getClass().getSimpleName());
        return storable(message.length() <= 200 ? message : message.substring(0, 200));
    }

    @Override
    public void close() {
        deadlines.shutdownNow();
        client.close(org.apache.hc.core5.io.CloseMode.IMMEDIATE);
    }
}
