package dev.msgbubbles.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request metrics ({@code http_server_requests_seconds} by method, route template and status) and the access
 * log: one line per request with method, route, status, latency, request id and account id. Never a key,
 * a body or a message text.
 */
final class HttpTelemetry {
    private static final Logger ACCESS = LoggerFactory.getLogger("msgbubbles.access");
    /** The methods counted under their own name; any other (a client may send any token) is counted as OTHER. */
    private static final java.util.Set<String> KNOWN_METHODS = java.util.Set.of("GET", "POST", "PUT", "PATCH", "DELETE",
            "HEAD", "OPTIONS");

    private final MeterRegistry registry;
    /** Registered timers by method, route template and status (a bounded set: templates, not paths). */
    private final Map<TimerKey, Timer> timers = new ConcurrentHashMap<>();

    private record TimerKey(String method, String route, int status) {
    }

    HttpTelemetry(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * One request: {@code method} as the client sent it (counted as OTHER unless it is one of the known seven),
     * {@code route} a route template or {@code unmatched}, never a path.
     */
    void record(String method, String route, int status, long nanos, String accountId) {
        method = method != null && KNOWN_METHODS.contains(method) ? method : "OTHER";
        timers.computeIfAbsent(new TimerKey(method, route, status), key -> Timer.builder("http.server.requests")
                        .description("API requests by route template and status")
                        .tag("method", key.method())
                        .tag("route", key.route())
                        .tag("status", Integer.toString(key.status()))
                        .publishPercentileHistogram()
                        .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
        if (ACCESS.isInfoEnabled()) {
            ACCESS.atInfo()
                    .addKeyValue("method", method)
                    .addKeyValue("route", route)
                    .addKeyValue("status", status)
                    .addKeyValue("latency_ms", String.format(java.util.Locale.ROOT, "%.2f", nanos / 1e6))
                    .addKeyValue("account_id", accountId == null ? "-" : accountId)
                    .log("request");
        }
    }
}
