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

/**
 * The running HTTP server (Helidon SE on virtual threads). All routing happens in {@link Dispatcher}; Helidon
 * sees one catch-all handler. Errors Helidon answers itself, before any handler runs (unparseable request
 * line, oversized headers or body), are given the same JSON error shape by a direct handler.
 */
public final class ApiServer implements AutoCloseable {
    /** Room for multipart boundaries and part headers on top of the attachment bytes of an upload. */
    static final long MULTIPART_OVERHEAD = 1 << 20;
    private final WebServer server;

    private ApiServer(WebServer server) {
        this.server = server;
    }

    public static ApiServer start(Config.Server config, ApiServices services) {
        return start(config, services, List.of());
    }

    /** Starts with extra routes appended to the table (tests add probes for the shared request handling). */
    static ApiServer start(Config.Server config, ApiServices services, List<Route> extraRoutes) {
        List<Route> routes = new ArrayList<>(ApiRoutes.all(services));
        routes.addAll(extraRoutes);
        Dispatcher dispatcher = new Dispatcher(new Router(routes), services.authenticator(), services.rateLimiter(),
                new HttpTelemetry(services.metrics()), config.maxBodyBytes());
        WebServer server = WebServer.builder()
                .host(config.host())
                .port(config.port())
                .shutdownHook(false)
                // uploads stream up to the attachment limit (plus multipart framing); every other route is held to
                // the body limit by ApiRequest
                .maxPayloadSize(Math.max(config.maxBodyBytes(),
                        services.features().attachments().limits().maxRequestBytes() + MULTIPART_OVERHEAD))
                .directHandlers(directHandlers())
                .routing(HttpRouting.builder().any(dispatcher::handle))
                .build()
                .start();
        if (!server.isRunning()) { // Helidon logs why and returns a server that is not listening, instead of throwing
            server.stop();
            throw new CannotListen(config.host(), config.port());
        }
        return new ApiServer(server);
    }

    /** The server could not listen on its configured address: the port is taken, or the host is not this machine's. */
    public static final class CannotListen extends RuntimeException {
        CannotListen(String host, int port) {
            super("cannot listen on " + host + ":" + port + " (MSGBUBBLES_HOST, MSGBUBBLES_PORT): is another process "
                    + "using the port, or is the address not one of this machine's?");
        }
    }

    /** The bound port (useful when configured as 0). */
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.stop();
    }

    private static DirectHandlers directHandlers() {
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            builder.addHandler(type, ApiServer::directError);
        }
        return builder.build();
    }

    private static DirectHandler.TransportResponse directError(DirectHandler.TransportRequest request,
                                                               DirectHandler.EventType type, Status status,
                                                               io.helidon.http.ServerResponseHeaders headers,
                                                               String message) {
        ErrorCode code = switch (status.code()) {
            case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
            case 500 -> ErrorCode.INTERNAL_ERROR;
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            default -> status.code() >= 500 ? ErrorCode.UNAVAILABLE : ErrorCode.INVALID_REQUEST;
        };
        String requestId = Ids.requestId();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code.code());
        body.put("message", switch (code) {
            case PAYLOAD_TOO_LARGE -> "request body too large";
            case INTERNAL_ERROR -> "internal error; quote the request_id when reporting it";
            default -> "malformed HTTP request";
        });
        body.put("request_id", requestId);
        return DirectHandler.TransportResponse.builder()
                .status(status.code() >= 500 && code != ErrorCode.INTERNAL_ERROR ? Status.SERVICE_UNAVAILABLE_503 : status)
                .headers(headers)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .header(HeaderNames.create("X-Request-Id"), requestId)
                .entity(Json.write(body))
                .build();
    }
}
