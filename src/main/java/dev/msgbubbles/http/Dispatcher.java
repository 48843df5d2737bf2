package dev.msgbubbles.http;

import dev.msgbubbles.account.Authenticator;
import dev.msgbubbles.account.Principal;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Ids;
import dev.msgbubbles.db.StoreUnavailable;
import dev.msgbubbles.ratelimit.RateLimiter;
import io.helidon.http.HeaderNames;
import io.helidon.http.RequestException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The single request pipeline. For every request: a request id ({@code X-Request-Id}); for {@code /v1/…}
 * the key is authenticated (401/403) and the caller's bucket charged (429, {@code X-RateLimit-*} headers),
 * failed authentications are charged to the client address (over its budget, a key not known to the authenticator is
 * refused before it is looked up); then the route table is consulted (404/405),
 * query parameters are checked against the route's list, the endpoint runs, and its result is wrapped in the
 * envelope. Every failure becomes the flat error body here and nowhere else; an unexpected exception is
 * logged with the request id and answered with a bare 500.
 */
final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final Router router;
    private final Authenticator authenticator;
    private final RateLimiter rateLimiter;
    private final HttpTelemetry telemetry;
    private final long maxBodyBytes;
    private final SilentClients silence;
    /**
     * Set when the server begins to stop with a drain: every answer then says {@code Connection: close} and its
     * connection is closed after it, so that a client's pooled connections move to another instance (one behind a
     * layer-4 balancer keeps its open connections to this one whatever the health checks say) before the port closes.
     */
    private volatile boolean closing;

    Dispatcher(Router router, Authenticator authenticator, RateLimiter rateLimiter, HttpTelemetry telemetry,
               long maxBodyBytes, SilentClients silence) {
        this.router = router;
        this.authenticator = authenticator;
        this.rateLimiter = rateLimiter;
        this.telemetry = telemetry;
        this.maxBodyBytes = maxBodyBytes;
        this.silence = silence;
    }

    /** Per-request state the pipeline fills in as it goes, read by the response writer and the access log. */
    private static final class Exchange {
        final String requestId = Ids.requestId();
        final Map<String, String> headers = new LinkedHashMap<>();
        String route = "unmatched";
        Principal principal;
        /** The request body could not be read: end the connection after the answer (the rest cannot be framed). */
        boolean endConnection;
    }

    void handle(ServerRequest req, ServerResponse res) {
        long started = System.nanoTime();
        Exchange exchange = new Exchange();
        MDC.put("request_id", exchange.requestId);
        String method = req.prologue().method().text();
        int status = 500;
        try {
            ApiResponse response;
            try {
                response = process(req, method, exchange);
            } catch (ApiException e) {
                response = ApiResponse.error(e);
            } catch (RequestException e) {
                response = ApiResponse.error(e.status().code() == 413
                        ? new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "request body exceeds " + maxBodyBytes + " bytes")
                        : new ApiException(ErrorCode.INVALID_REQUEST, "malformed request"));
            } catch (ClientBody.Unreadable e) {
                // the connection is closed after the answer, since whatever follows on it cannot be framed
                exchange.headers.put("Connection", "close");
                exchange.endConnection = true;
                if (interrupted(e)) {
                    // not the client's doing: the server is stopping and the body was still coming after the grace.
                    // Nothing of the request was kept (a body is read whole before anything is written; an upload is
                    // kept whole or not at all), so it may be retried
                    LOG.warn("{} {}: interrupted by the server stopping while reading the body", method, exchange.route);
                    exchange.headers.put("Retry-After", "1");
                    response = ApiResponse.error(new ApiException(ErrorCode.UNAVAILABLE,
                            "the server is stopping; nothing of this request was kept. Retry it"));
                } else {
                    // the client's doing (a truncated or malformed body, or its connection failing): a debug line, no
                    // stack trace
                    LOG.debug("{} {}: {} ({})", method, exchange.route, e.getMessage(), String.valueOf(e.getCause()));
                    response = ApiResponse.error(new ApiException(ErrorCode.INVALID_REQUEST, e.getMessage()));
                }
            } catch (StoreUnavailable e) {
                // an outage, not a bug: one line, no stack trace, and an answer the client may safely retry
                LOG.warn("{} {}: {}", method, exchange.route, e.getMessage());
                exchange.headers.put("Retry-After", "1");
                response = ApiResponse.error(new ApiException(ErrorCode.UNAVAILABLE,
                        "the database is unavailable; nothing was written. Retry later (a POST with the same Idempotency-Key)"));
            } catch (RuntimeException | StackOverflowError | LinkageError e) {
                // LinkageError: a class that cannot be loaded (e.g. the jar rewritten under the running server) is a
                // failure of this request like any other, answered and logged; let through, it reached Helidon, which
                // answered without a line in the log
                if (interrupted(e)) {
                    // the server is stopping and this request outlasted its grace (ApiServer.SHUTDOWN_GRACE): a normal
                    // stop, not a bug, so one line and no stack trace; whether a write it waited for took effect is
                    // unknown, as after any 500
                    LOG.warn("{} {}: interrupted by the server stopping", method, exchange.route);
                    response = ApiResponse.error(new ApiException(ErrorCode.INTERNAL_ERROR, "the server stopped while "
                            + "handling this request; retry it (a POST with the same Idempotency-Key)"));
                } else {
                    LOG.error("unexpected failure handling {} {}", method, exchange.route, e);
                    response = ApiResponse.error(new ApiException(ErrorCode.INTERNAL_ERROR,
                            "internal error; quote the request_id when reporting it"));
                }
            }
            status = response.status();
            if (method.equals("HEAD")) {
                writeHead(res, response, exchange);
            } else {
                write(res, response, exchange);
            }
            if (exchange.endConnection || asksToClose(req)) {
                // A Connection: close header, the client's or ours, does not end Helidon's connection loop: it then
                // skips draining an unread body and reads its bytes as the next request, and runs it (a request hidden
                // in a refused request's body, past any filtering proxy), and otherwise keeps the connection open
                // until the client gives up. This exception is Helidon's way to close it once the response is out.
                throw new io.helidon.webserver.CloseConnectionException(exchange.endConnection
                        ? "the request body could not be read" : "the client asked to close the connection");
            }
            drainUnread(req);
        } finally {
            telemetry.record(method, exchange.route, status,
                    System.nanoTime() - started,
                    exchange.principal == null ? null : exchange.principal.accountId().toString());
            MDC.remove("request_id");
        }
    }

    private ApiResponse process(ServerRequest req, String method, Exchange exchange) {
        List<String> path = decodePath(req.path().rawPath());
        Router.Match matched = router.match(method, path);
        // known before anything can refuse the request (a 413, authentication), for its log lines too; a 405 is
        // counted under the template its path matched
        switch (matched) {
            case Router.Found known -> exchange.route = known.route().template();
            case Router.WrongMethod wrong -> exchange.route = wrong.template();
            case Router.NotFound ignored -> { }
        }
        refuseDeclaredOversize(req, matched);
        boolean api = !path.isEmpty() && path.getFirst().equals("v1");
        if (api) {
            authenticate(req, exchange);
        }
        Router.Found found = switch (matched) {
            case Router.NotFound ignored ->
                    throw new ApiException(ErrorCode.NOT_FOUND, "no such route: " + method + " " + safePath(path));
            case Router.WrongMethod wrong -> {
                exchange.headers.put("Allow", wrong.allow());
                throw new ApiException(ErrorCode.METHOD_NOT_ALLOWED,
                        method + " is not allowed on this path; allowed: " + wrong.allow());
            }
            case Router.Found match -> match;
        };
        exchange.route = found.route().template();
        Map<String, List<String>> query = decodeQuery(req.query().rawValue());
        for (String name : query.keySet()) {
            if (!found.route().query().contains(name)) {
                throw ApiException.invalid(name, "unknown query parameter '" + name + "'");
            }
        }
        ApiRequest request = new ApiRequest(exchange.requestId, exchange.principal, found.params(), query,
                name -> req.headers().all(HeaderNames.create(name), List::of), body(req, silence), maxBodyBytes);
        return found.route().endpoint().handle(request);
    }

    /**
     * The listener admits bodies up to the upload limit (see {@link ApiServer}); every route but the uploads is held
     * to the body limit here, before anything else, so an announced oversized body is 413 wherever it is sent and
     * is never read. A body without a declared length is held to the limit as it is read ({@link ApiRequest#body}).
     */
    private void refuseDeclaredOversize(ServerRequest req, Router.Match match) {
        boolean upload = match instanceof Router.Found found && found.route().streamsUploads();
        OptionalLong declared = req.headers().contentLength();
        if (!upload && declared.isPresent() && declared.getAsLong() > maxBodyBytes) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "request body exceeds " + maxBodyBytes + " bytes");
        }
    }

    private void authenticate(ServerRequest req, Exchange exchange) {
        if (req.headers().find(HeaderNames.AUTHORIZATION).map(io.helidon.http.Header::valueCount).orElse(0) > 1) {
            // which one counts would be a guess, and a proxy that adds its own behind the client's would lose to it
            charge(rateLimiter.chargeAddress(clientAddress(req)), exchange);
            throw new ApiException(ErrorCode.UNAUTHORIZED, "more than one Authorization header: send exactly one");
        }
        String authorization = req.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
        // the address's budget is asked only when the key is not in the authenticator's cache (the common path
        // never asks): over it, an unknown key is refused here without its lookup
        switch (authenticator.authenticate(authorization, () -> rateLimiter.peekAddress(clientAddress(req)).allowed())) {
            case Authenticator.Result.NotLookedUp ignored -> refuse(rateLimiter.peekAddress(clientAddress(req)), exchange);
            case Authenticator.Result.Authenticated ok -> {
                exchange.principal = ok.principal();
                charge(rateLimiter.chargeKey(ok.principal().keyId()), exchange);
            }
            case Authenticator.Result.Rejected rejected -> {
                charge(rateLimiter.chargeAddress(clientAddress(req)), exchange);
                throw new ApiException(rejected.code(), rejected.message());
            }
        }
    }

    private static void charge(RateLimiter.Decision decision, Exchange exchange) {
        if (!decision.allowed()) {
            refuse(decision, exchange);
        }
        limits(decision, exchange);
    }

    /** The {@code X-RateLimit-*} headers of every {@code /v1} answer. */
    private static void limits(RateLimiter.Decision decision, Exchange exchange) {
        exchange.headers.put("X-RateLimit-Limit", Long.toString(decision.limit()));
        exchange.headers.put("X-RateLimit-Remaining", Long.toString(decision.remaining()));
        exchange.headers.put("X-RateLimit-Reset", Long.toString(decision.resetSeconds()));
    }

    /** The 429: {@code decision} gives the figures (a peek may find a token refilled since: retry after a second). */
    private static void refuse(RateLimiter.Decision decision, Exchange exchange) {
        long retryAfter = Math.max(1, decision.retryAfterSeconds());
        limits(decision, exchange);
        exchange.headers.put("Retry-After", Long.toString(retryAfter));
        throw new ApiException(ErrorCode.RATE_LIMITED,
                "rate limit of " + decision.limit() + " requests per minute exceeded; retry after " + retryAfter + " s");
    }

    /**
     * The status and the headers every answer has: the request id, the pipeline's, the endpoint's; while the server
     * drains, {@code Connection: close}.
     */
    private void head(ServerResponse res, ApiResponse response, Exchange exchange) {
        res.status(response.status());
        res.header("X-Request-Id", exchange.requestId);
        exchange.headers.forEach(res::header);
        response.headers().forEach(res::header);
        if (closing) {
            res.header("Connection", "close");
        }
    }

    /** From now on every answer closes its connection (see {@link #closing}). */
    void closeConnectionsAfterEachAnswer() {
        closing = true;
    }

    private void write(ServerResponse res, ApiResponse response, Exchange exchange) {
        head(res, response, exchange);
        switch (response.payload()) {
            case ApiResponse.Raw raw -> {
                res.header("Content-Type", raw.contentType());
                res.send(raw.bytes());
            }
            case ApiResponse.Streaming streaming -> {
                res.header("Content-Type", streaming.contentType());
                // a stream that began before the drain went out without Connection: close, and ends because of it:
                // its client's reconnection must open a new connection, which a balancer may send elsewhere. Closed
                // once the body's end is out (Helidon writes it after this handler returns; closing here would cut it)
                res.whenSent(() -> {
                    if (closing) {
                        throw new io.helidon.webserver.CloseConnectionException("the server is stopping");
                    }
                });
                // each write held to the silence limit: a client that stops reading ends its stream (SilentClients)
                try (var out = silence.watched(res.outputStream())) {
                    streaming.writer().write(out);
                } catch (StoreUnavailable e) {
                    // an outage: end the stream (the client resumes with Last-Event-ID), one line, no stack trace
                    LOG.warn("stream {} ended: {}", exchange.requestId, e.getMessage());
                } catch (java.io.IOException | RuntimeException e) {
                    if (e instanceof java.io.IOException || e instanceof UncheckedIOException || clientGone(e)) {
                        // the client went away (an event stream's client always does, in the end): routine
                        LOG.debug("stream {} ended: {}", exchange.requestId, e.toString());
                    } else {
                        // the status line went out already: end the stream, log it with the request id for the report
                        LOG.error("stream {} failed; ending it", exchange.requestId, e);
                    }
                }
            }
            default -> {
                res.header("Content-Type", "application/json");
                res.send(Json.write(response.body(exchange.requestId)));
            }
        }
    }

    /**
     * The answer to a {@code HEAD}: the status and headers the {@code GET} would have, {@code Content-Length} that of
     * the body it would send (none for a stream, whose length is unknown until it ends), and no body; a stream's
     * writer never runs. A route that answers {@code HEAD} itself (a download) sets its own {@code Content-Length}.
     */
    private void writeHead(ServerResponse res, ApiResponse response, Exchange exchange) {
        head(res, response, exchange);
        switch (response.payload()) {
            case ApiResponse.Raw raw -> {
                res.header("Content-Type", raw.contentType());
                if (!response.headers().containsKey("Content-Length")) {
                    res.header("Content-Length", Integer.toString(raw.bytes().length));
                }
            }
            case ApiResponse.Streaming streaming -> res.header("Content-Type", streaming.contentType());
            default -> {
                res.header("Content-Type", "application/json");
                res.header("Content-Length", Integer.toString(Json.write(response.body(exchange.requestId)).length));
            }
        }
        res.send(new byte[0]);
    }

    /**
     * Reads, after the answer, the rest of a body the endpoint did not read (it refused the request first, or takes
     * none), so that the connection reaches the next request. Helidon would do the same, but unwatched: a client that
     * sent part of such a body and went silent held the connection for ever. Read here, it is watched as a body read
     * is ({@link SilentClients}), as a whole: not done within the limit, the connection ends. The client has its answer
     * by then, and reading rather than closing at once keeps that answer from being lost to a reset of a connection
     * closed under bytes still arriving.
     */
    private void drainUnread(ServerRequest req) {
        if (!req.content().hasEntity() || req.content().consumed()) {
            return;
        }
        // the whole rest within the limit (a body left part-read, such as a multipart's epilogue, included): a client
        // still sending it after that long has had its answer, and loses the connection
        silence.watch();
        try {
            req.content().consume();
        } catch (RuntimeException e) {
            // the client fell silent (the watch closed the connection under the read) or broke off
            throw new io.helidon.webserver.CloseConnectionException("the rest of the request body did not come", e);
        } finally {
            silence.unwatch();
        }
    }

    /** The request's {@code Connection} header lists {@code close} (RFC 9112 §9.6). */
    private static boolean asksToClose(ServerRequest req) {
        for (String value : req.headers().all(HeaderNames.CONNECTION, List::of)) {
            for (String token : value.split(",")) {
                if (token.strip().equalsIgnoreCase("close")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether {@code failure} comes of this thread being interrupted: nothing in a request interrupts its own thread,
     * so that is the server stopping (Helidon interrupts the requests still running once its grace period is over).
     */
    static boolean interrupted(Throwable failure) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 32; t = t.getCause(), depth++) {
            if (t instanceof InterruptedException || t instanceof java.nio.channels.ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code failure} means the client's connection is gone (closed, reset, a broken pipe). Helidon wraps a
     * failed write of the response in its {@link io.helidon.webserver.ServerConnectionException} (a
     * {@link io.helidon.webserver.CloseConnectionException}, as are its other "this connection is over" signals),
     * which is neither an IOException nor an UncheckedIOException, and a writer may wrap it again: so look through
     * the cause chain, for that or for a socket failure.
     */
    static boolean clientGone(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 32; t = t.getCause(), depth++) {
            if (t instanceof io.helidon.webserver.CloseConnectionException || t instanceof java.net.SocketException) {
                return true;
            }
        }
        return false;
    }

    static List<String> decodePath(String rawPath) {
        List<String> segments = new ArrayList<>();
        String origin = originForm(rawPath);
        String trimmed = origin.startsWith("/") ? origin.substring(1) : origin;
        if (trimmed.isEmpty()) {
            return segments;
        }
        for (String segment : trimmed.split("/", -1)) {
            if (segment.indexOf('%') < 0) {
                segments.add(segment); // nothing to decode (a '+' in a path is itself)
                continue;
            }
            try {
                segments.add(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "malformed percent-encoding in the path");
            }
        }
        return segments;
    }

    /**
     * The path of a request target sent in absolute form ({@code GET http://host:port/healthz}, as proxies send it),
     * which a server must accept (RFC 9112 §3.2.2); Helidon hands it on as the path. Its authority names this server
     * (there are no virtual hosts here) and is dropped. Any other target is returned as it is.
     */
    private static String originForm(String rawPath) {
        int scheme = rawPath.indexOf("://");
        boolean http = (scheme == 4 && rawPath.regionMatches(true, 0, "http", 0, 4))
                || (scheme == 5 && rawPath.regionMatches(true, 0, "https", 0, 5));
        if (!http) {
            return rawPath;
        }
        int path = rawPath.indexOf('/', scheme + 3);
        return path < 0 ? "/" : rawPath.substring(path);
    }

    static Map<String, List<String>> decodeQuery(String rawQuery) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            String[] kv = pair.split("=", 2);
            try {
                String key = URLDecoder.decode(kv[0], StandardCharsets.UTF_8);
                String value = kv.length == 2 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
                query.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
            } catch (IllegalArgumentException e) {
                throw new ApiException(ErrorCode.INVALID_REQUEST, "malformed percent-encoding in the query string");
            }
        }
        return query;
    }

    private static String safePath(List<String> path) {
        String joined = "/" + String.join("/", path);
        String printable = joined.codePoints().limit(200)
                .map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return printable;
    }

    /** The client's address, or null when the connection has none (the rate limiter shares one bucket for those). */
    private static InetAddress clientAddress(ServerRequest req) {
        return req.remotePeer().address() instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }

    static ApiRequest.BodySource body(ServerRequest req, SilentClients silence) {
        return new ApiRequest.BodySource() {
            @Override
            public OptionalLong declaredLength() {
                return req.headers().contentLength();
            }

            @Override
            public InputStream open() {
                // a request without a body (no Content-Length, nor chunked) reads as empty
                return req.content().hasEntity() ? ClientBody.guard(req.content().inputStream(), silence) : InputStream.nullInputStream();
            }
        };
    }
}
