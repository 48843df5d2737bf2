package dev.msgbubbles.http;

import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Ids;
import dev.msgbubbles.config.Config;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.MDC;

/**
 * The running HTTP server (Helidon SE on virtual threads). All routing happens in {@link Dispatcher}; Helidon
 * sees one catch-all handler. Errors Helidon answers itself, before any handler runs (unparseable request
 * line, oversized headers or body), are given the same JSON error shape by a direct handler.
 */
public final class ApiServer implements AutoCloseable {
    /** Room for multipart boundaries and part headers on top of the attachment bytes of an upload. */
    static final long MULTIPART_OVERHEAD = 1 << 20;
    /**
     * How long a client may send nothing in the middle of a request (between its request line and the end of its head,
     * or while a body read waits) before its connection is closed; see {@link SilentClients}. As nginx's
     * {@code client_header_timeout} and {@code client_body_timeout}.
     */
    static final java.time.Duration CLIENT_SILENCE = java.time.Duration.ofSeconds(60);
    /**
     * How long requests under way when the server stops (SIGTERM) have to finish before their threads are interrupted
     * and their connections closed. Helidon's default, half a second, interrupted a send still waiting for its commit
     * under load: an error logged with its stack trace and no answer. Idle connections close at once, and event streams
     * end first (see {@code App#close}), so this is only ever spent on requests still running.
     */
    static final java.time.Duration SHUTDOWN_GRACE = java.time.Duration.ofSeconds(10);

    private final WebServer server;
    private final SilentClients silence;
    private final Dispatcher dispatcher;

    private ApiServer(WebServer server, SilentClients silence, Dispatcher dispatcher) {
        this.server = server;
        this.silence = silence;
        this.dispatcher = dispatcher;
    }

    public static ApiServer start(Config.Server config, ApiServices services) {
        return start(config, services, List.of());
    }

    /** Starts with extra routes appended to the table (tests add probes for the shared request handling). */
    static ApiServer start(Config.Server config, ApiServices services, List<Route> extraRoutes) {
        return start(config, services, extraRoutes, CLIENT_SILENCE);
    }

    /** Starts with {@code clientSilence} in place of {@link #CLIENT_SILENCE} (tests shorten it). */
    static ApiServer start(Config.Server config, ApiServices services, List<Route> extraRoutes,
                           java.time.Duration clientSilence) {
        return start(config, services, extraRoutes, clientSilence, SHUTDOWN_GRACE);
    }

    /** Starts with {@code shutdownGrace} in place of {@link #SHUTDOWN_GRACE} as well (tests shorten it). */
    static ApiServer start(Config.Server config, ApiServices services, List<Route> extraRoutes,
                           java.time.Duration clientSilence, java.time.Duration shutdownGrace) {
        probeAddress(config.host(), config.port());
        List<Route> routes = new ArrayList<>(ApiRoutes.all(services));
        routes.addAll(extraRoutes);
        SilentClients silence = new SilentClients(clientSilence);
        HttpTelemetry telemetry = new HttpTelemetry(services.metrics());
        Dispatcher dispatcher = new Dispatcher(new Router(routes), services.authenticator(), services.rateLimiter(),
                telemetry, config.maxBodyBytes(), silence);
        WebServer server = WebServer.builder()
                .host(config.host())
                .port(config.port())
                .shutdownHook(false)
                .shutdownGracePeriod(shutdownGrace)
                // uploads stream up to the attachment limits: a multipart request its limit plus framing, a presigned
                // PUT one file, which may be the larger (presigned uploads are for files too large for multipart);
                // each route holds its own limit, and every other route is held to the body limit by ApiRequest. The
                // same allowance above a presigned PUT's limit: a body just over it reaches the route, which answers
                // 413 and reads past the rest, where this cap's 413 closes the connection under a client still sending
                // (which may then see a reset instead of the answer)
                .maxPayloadSize(Math.max(config.maxBodyBytes(), Math.max(
                        services.features().attachments().limits().maxRequestBytes(),
                        services.features().attachments().limits().maxFileBytes()) + MULTIPART_OVERHEAD))
                // HTTP/1.1 with the defaults it is discovered with, plus the watch on silent clients: in place of the
                // discovered one, since a second HTTP/1 protocol beside it makes Helidon unable to pick either for a
                // request it refuses (an HTTP/1.0 request got no answer at all)
                .protocolsDiscoverServices(false)
                .addProtocol(io.helidon.webserver.http1.Http1Config.builder().addReceiveListener(silence).build())
                .directHandlers(directHandlers(telemetry))
                .routing(HttpRouting.builder().any(dispatcher::handle))
                .build()
                .start();
        if (!server.isRunning()) { // Helidon logs why and returns a server that is not listening, instead of throwing
            server.stop();
            silence.close();
            throw new CannotListen(config.host(), config.port());
        }
        return new ApiServer(server, silence, dispatcher);
    }

    /**
     * Binds the configured address once and lets it go, so that a port already taken or an address not this machine's
     * is refused with {@link CannotListen}'s one line: Helidon, finding it so, logs an error with a stack trace before
     * it gives up. A port of 0 (any free one) cannot be taken. The check is not a guarantee (another process may take
     * the port in between); Helidon's own refusal, below, still ends the start then.
     */
    private static void probeAddress(String host, int port) {
        if (port == 0) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true); // as Helidon binds: a port whose last connections linger in TIME_WAIT is free
            probe.bind(new java.net.InetSocketAddress(host, port));
        } catch (java.io.IOException | RuntimeException e) {
            throw new CannotListen(host, port, e.getMessage());
        }
    }

    /** The server could not listen on its configured address: the port is taken, or the host is not this machine's. */
    public static final class CannotListen extends RuntimeException {
        CannotListen(String host, int port) {
            this(host, port, null);
        }

        CannotListen(String host, int port, String reason) {
            super("cannot listen on " + host + ":" + port + (reason == null ? "" : " (" + reason + ")")
                    + " (MSGBUBBLES_HOST, MSGBUBBLES_PORT): is another process using the port, or is the address not "
                    + "one of this machine's?");
        }
    }

    /** The bound port (useful when configured as 0). */
    public int port() {
        return server.port();
    }

    /**
     * The stop's drain begins: requests are still served as usual, but each answer closes its connection
     * ({@code Connection: close}), so that clients open their next ones elsewhere.
     */
    public void beginDrain() {
        dispatcher.closeConnectionsAfterEachAnswer();
    }

    @Override
    public void close() {
        server.stop();
        silence.close();
    }

    /**
     * The answers Helidon gives itself are requests too: counted in {@code http_server_requests_seconds} (under
     * {@code unmatched}, since no route saw them; a bad request line has no method to trust, so its method is
     * counted as sent only when it is one of the known seven) and given their access line, with their request id.
     * Their latency is not measured (Helidon answers them before any handler runs): they count as 0.
     */
    private static DirectHandlers directHandlers(HttpTelemetry telemetry) {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            builder.addHandler(type, (request, event, status, headers, message) -> {
                String requestId = Ids.requestId();
                DirectHandler.TransportResponse response = directError(request, status, headers, requestId);
                MDC.put("request_id", requestId);
                try {
                    telemetry.record(request.method(), "unmatched", response.status().code(), 0, null);
                } finally {
                    MDC.remove("request_id");
                }
                return response;
            });
        }
        return builder.build();
    }

    private static final String MALFORMED = "malformed HTTP request";

    /** What {@link #directError} answers: the status, our error code and the message. */
    private record Answer(Status status, ErrorCode code, String message) {
    }

    /**
     * Gives the errors Helidon answers by itself our error shape, keeping its status where that status is the truth.
     * A 5xx from here is not a database outage, so only a status that means "busy, retry" may say {@code unavailable}:
     * <ul>
     * <li>505: an HTTP/1.0 request. Helidon SE 4 refuses HTTP/1.0 while parsing the request line (there is no option
     * to accept it), so the honest answer is 505 saying HTTP/1.1 is required; it is the client's (or its proxy's) to
     * change, hence {@code invalid_request}, and not 503 {@code unavailable}, which tells a client to retry.</li>
     * <li>501: a transfer coding other than {@code chunked} on a request body (RFC 9112 §6.1); again the request's
     * doing.</li>
     * <li>503: Helidon's limit of concurrent requests, when one is configured: busy, retry.</li>
     * <li>500, and any other 5xx Helidon might produce: {@code internal_error} with 500.</li>
     * </ul>
     * Every other status (400, 414, 431, …) is malformed input: {@code invalid_request} with that status.
     */
    private static DirectHandler.TransportResponse directError(DirectHandler.TransportRequest request, Status status,
                                                               io.helidon.http.ServerResponseHeaders headers,
                                                               String requestId) {
        Answer answer = switch (status.code()) {
            case 413 -> new Answer(status, ErrorCode.PAYLOAD_TOO_LARGE, "request body too large");
            case 404 -> new Answer(status, ErrorCode.NOT_FOUND, MALFORMED);
            case 405 -> new Answer(status, ErrorCode.METHOD_NOT_ALLOWED, MALFORMED);
            case 505 -> new Answer(status, ErrorCode.INVALID_REQUEST, "HTTP/1.1 is required: this server does not accept "
                    + "HTTP/1.0 (behind a reverse proxy, make it speak HTTP/1.1 to the server, e.g. nginx's "
                    + "proxy_http_version 1.1)");
            case 501 -> new Answer(status, ErrorCode.INVALID_REQUEST,
                    "unsupported Transfer-Encoding: a request body may only be sent as is or chunked");
            case 503 -> new Answer(status, ErrorCode.UNAVAILABLE,
                    "the server is at its limit of concurrent requests; retry later");
            default -> status.code() >= 500
                    ? new Answer(Status.INTERNAL_SERVER_ERROR_500, ErrorCode.INTERNAL_ERROR,
                            "internal error; quote the request_id when reporting it")
                    : new Answer(status, ErrorCode.INVALID_REQUEST, MALFORMED);
        };
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", answer.code().code());
        body.put("message", answer.message());
        body.put("request_id", requestId);
        DirectHandler.TransportResponse.Builder response = DirectHandler.TransportResponse.builder()
                .status(answer.status())
                .headers(headers)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .header(HeaderNames.create("X-Request-Id"), requestId)
                .entity(Json.write(body));
        if (answer.code() == ErrorCode.UNAVAILABLE) {
            response.header(HeaderNames.RETRY_AFTER, "1");
        }
        return response.build();
    }
}
