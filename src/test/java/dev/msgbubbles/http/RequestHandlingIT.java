package dev.msgbubbles.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.account.Authenticator;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.config.Config;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.ratelimit.RateLimiter;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The shared request handling every endpoint relies on (body limits, content types, strict JSON, the
 * Idempotency-Key header, the 500 mapping), exercised over real HTTP through probe routes added to the real
 * route table. Later endpoints inherit exactly this behaviour.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestHandlingIT {
    private static final int MAX_BODY = 4096;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private TestStore store;
    private Database db;
    private ApiServer server;
    private Http http;
    private String key;

    /** A request shape like the real ones: snake_case fields, nested object, list. */
    record Probe(String text, Integer count, Boolean flag, List<String> tags, Map<String, String> metadata, String replyTo) {
    }

    @BeforeAll
    void start() {
        store = TestStore.sqlite();
        Config config = store.config(Map.of("MSGBUBBLES_MAX_BODY_BYTES", Integer.toString(MAX_BODY)));
        db = Database.open(config.storage(), null);
        key = new AccountAdmin(db, clock).create("probe").testKey().key();
        ApiServices services = new ApiServices(new Authenticator(db, clock), new RateLimiter(clock, 1_000_000),
                new NumberDirectory(db, clock), Readiness.database(db::ready), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), features(config));
        List<Route> probes = List.of(
                Route.api("POST", "/v1/_probe/json", Set.of(), r -> ApiResponse.status(201, r.json(Probe.class))),
                Route.api("POST", "/v1/_probe/tree", Set.of(), r -> ApiResponse.ok(Map.of("fingerprint", Json.fingerprint(r.jsonTree())))),
                Route.api("POST", "/v1/_probe/idempotency", Set.of(), r -> ApiResponse.ok(Map.of("key",
                        IdempotencyKeyHeader.of(r).orElse("none")))),
                Route.api("GET", "/v1/_probe/boom", Set.of(), r -> {
                    throw new IllegalStateException("secret internal detail at com.example.Secret");
                }),
                Route.api("GET", "/v1/_probe/linkage", Set.of(), r -> {
                    throw new NoClassDefFoundError("com/example/Secret (the jar was rewritten under the server)");
                }),
                Route.api("GET", "/v1/_probe/api-error", Set.of("q"), r -> {
                    throw new ApiException(ErrorCode.CONFLICT, "documented refusal", r.query("q").orElse(null));
                }));
        server = ApiServer.start(config.server(), services, probes);
        http = new Http(server.port());
    }

    private ApiServices.Features features(Config config) {
        var blobs = new dev.msgbubbles.attachment.LocalBlobStore(config.storage().dataDir().resolve("blobs"));
        var attachments = new dev.msgbubbles.attachment.Attachments(db, clock, blobs,
                new dev.msgbubbles.attachment.LinkSigner(new byte[32], config.server()::publicUrl, clock),
                new dev.msgbubbles.attachment.Attachments.Limits(1 << 20, 1 << 20, 10, List.of("image/*"),
                        java.time.Duration.ofHours(24), java.time.Duration.ofHours(1), java.time.Duration.ofDays(7), 1_000_000),
                new dev.msgbubbles.attachment.MediaConverter("ffmpeg", blobs));
        var messaging = new dev.msgbubbles.message.Messaging(new dev.msgbubbles.message.Messaging.Dependencies(db, db, clock,
                new NumberDirectory(db, clock), new dev.msgbubbles.idempotency.IdempotencyStore(clock, java.time.Duration.ofHours(72)),
                new dev.msgbubbles.queue.JobQueue(db), new dev.msgbubbles.message.ChannelRouter(
                        new dev.msgbubbles.channel.sandbox.SandboxChannel(0), Map.of()),
                new dev.msgbubbles.event.EventLog(dev.msgbubbles.event.EventLog.Fanout.NONE), attachments), new dev.msgbubbles.message.Messaging.Policy(java.time.Duration.ofHours(1), 0, 0),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        var guard = new dev.msgbubbles.webhook.UrlGuard(host -> java.util.List.of(java.net.InetAddress.getByName("93.184.216.34")), false);
        var webhooks = new dev.msgbubbles.webhook.Webhooks(db, clock,
                new dev.msgbubbles.idempotency.IdempotencyStore(clock, java.time.Duration.ofHours(72)), guard);
        var pipeline = new dev.msgbubbles.webhook.DeliveryPipeline(db, db, clock, new dev.msgbubbles.queue.JobQueue(db, "delivery_jobs"),
                guard, new dev.msgbubbles.webhook.DeliveryPipeline.Settings(new dev.msgbubbles.webhook.RetryPolicy(
                        dev.msgbubbles.webhook.RetryPolicy.DEFAULT_SCHEDULE, 0.2), java.time.Duration.ofSeconds(10), 256, 32, 128, java.time.Duration.ofDays(30), java.time.Duration.ofSeconds(60)),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), () -> { });
        return new ApiServices.Features(messaging, new dev.msgbubbles.chat.Chats(db, clock), webhooks, pipeline.deliveries(),
                new dev.msgbubbles.event.Events(db, java.time.Duration.ofSeconds(1)), attachments, () -> { });
    }

    @AfterAll
    void stop() {
        server.close();
        db.close();
        store.close();
    }

    private Http.Response post(String contentType, byte[] body) {
        return http.send("POST", "/v1/_probe/json", key, contentType, body, Map.of());
    }

    private Http.Response postJson(String json) {
        return post("application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertInvalid(Http.Response response, String param) {
        assertThat(response.status()).as(response.text()).isEqualTo(400);
        JsonNode body = response.json();
        assertThat(body.path("error").asText()).isEqualTo("invalid_request");
        assertThat(body.path("request_id").asText()).startsWith("req_");
        if (param != null) {
            assertThat(body.path("param").asText()).isEqualTo(param);
        }
    }

    @Test
    void a_valid_body_is_decoded_with_snake_case_names() {
        Http.Response response = postJson("""
                {"text":"hi","count":2,"flag":true,"tags":["a"],"metadata":{"k":"v"},"reply_to":"x"}""");
        assertThat(response.status()).isEqualTo(201);
        assertThat(response.json().path("data").path("reply_to").asText()).isEqualTo("x");
        assertThat(response.json().path("data").path("count").asInt()).isEqualTo(2);
    }

    @Test
    void unknown_fields_and_wrong_types_are_400_naming_the_field() {
        assertInvalid(postJson("{\"text\":\"hi\",\"bogus\":1}"), "bogus");
        assertInvalid(postJson("{\"text\":\"hi\",\"replyTo\":\"x\"}"), "replyTo");
        assertInvalid(postJson("{\"count\":\"2\"}"), "count");
        assertInvalid(postJson("{\"count\":2.5}"), "count");
        assertInvalid(postJson("{\"text\":5}"), "text");
        assertInvalid(postJson("{\"flag\":\"true\"}"), "flag");
        assertInvalid(postJson("{\"tags\":\"a\"}"), "tags");
        assertInvalid(postJson("{\"metadata\":{\"k\":1}}"), "metadata.k");
        assertInvalid(postJson("{\"tags\":[\"a\",1]}"), "tags[1]");
    }

    @Test
    void malformed_json_of_every_kind_is_400() {
        for (String body : List.of("{", "}", "nope", "{\"text\":\"a\",}", "{\"text\":\"a\"} trailing", "[]", "\"text\"",
                "null", "123", "{\"text\":\"a\",\"text\":\"b\"}", "{'text':'a'}", "{\"text\":\"\\uZZZZ\"}")) {
            assertInvalid(postJson(body), null);
        }
    }

    @Test
    void invalid_utf8_and_deep_nesting_are_400() {
        assertInvalid(post("application/json", new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xC3, '(', '"', '}'}), null);
        assertInvalid(post("application/json", new byte[] {(byte) 0xFF, (byte) 0xFE, '{', '}'}), null);
        assertInvalid(postJson("{\"metadata\":" + "[".repeat(1000) + "]".repeat(1000) + "}"), null);
        assertInvalid(postJson("[".repeat(2000)), null);
    }

    @Test
    void a_body_needs_the_json_content_type_in_utf8() {
        byte[] body = "{\"text\":\"hi\"}".getBytes(StandardCharsets.UTF_8);
        assertInvalid(post(null, body), null);
        assertInvalid(post("text/plain", body), null);
        assertInvalid(post("application/x-www-form-urlencoded", "text=hi".getBytes()), null);
        assertInvalid(post("multipart/form-data; boundary=x", body), null);
        assertInvalid(post("application/json; charset=iso-8859-1", body), null);
        assertInvalid(post("application/jsonx", body), null);
        assertThat(post("application/json; charset=utf-8", body).status()).isEqualTo(201);
        assertThat(post("Application/JSON;charset=\"UTF-8\"", body).status()).isEqualTo(201);
        assertInvalid(post("application/json", new byte[0]), null);
    }

    @Test
    void bodies_over_the_limit_are_413_whether_declared_or_streamed() throws Exception {
        String big = "{\"text\":\"" + "a".repeat(MAX_BODY) + "\"}";
        Http.Response declared = postJson(big);
        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.json().path("error").asText()).isEqualTo("payload_too_large");

        HttpRequest chunked = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/_probe/json"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))))
                .build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(chunked, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(413);
            assertThat(response.body()).contains("\"error\":\"payload_too_large\"");
        }
        String justUnder = "{\"text\":\"" + "a".repeat(MAX_BODY - 20) + "\"}";
        Http.Response underLimit = postJson(justUnder);
        assertThat(underLimit.status()).isEqualTo(201);
        assertThat(underLimit.json().path("data").path("text").asText()).hasSize(MAX_BODY - 20);

        // a body without a declared length (chunked) under the limit is read whole
        HttpRequest chunkedUnder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/v1/_probe/json"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(justUnder.getBytes(StandardCharsets.UTF_8))))
                .build();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(chunkedUnder, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(201);
            assertThat(response.body()).contains("a".repeat(MAX_BODY - 20));
        }
    }

    @Test
    void idempotency_keys_must_be_1_to_255_printable_ascii() {
        Http.Response ok = http.send("POST", "/v1/_probe/idempotency", key, null, null, Map.of("Idempotency-Key", "order-1042"));
        assertThat(ok.json().path("data").path("key").asText()).isEqualTo("order-1042");
        Http.Response tooLong = http.send("POST", "/v1/_probe/idempotency", key, null, null,
                Map.of("Idempotency-Key", "k".repeat(256)));
        assertInvalid(tooLong, "Idempotency-Key");
        String nonAscii = http.raw(("POST /v1/_probe/idempotency HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                + "\r\nIdempotency-Key: caf\u00e9\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        assertThat(nonAscii).startsWith("HTTP/1.1 400").contains("\"error\":\"invalid_request\"");
    }

    @Test
    void canonical_fingerprints_ignore_whitespace_and_key_order() {
        String a = http.send("POST", "/v1/_probe/tree", key, "application/json", "{\"a\":1,\"b\":{\"c\":[1,2]}}".getBytes(), Map.of())
                .json().path("data").path("fingerprint").asText();
        String b = http.send("POST", "/v1/_probe/tree", key, "application/json", "{ \"b\" : {\"c\":[1, 2]}, \"a\":1 }".getBytes(), Map.of())
                .json().path("data").path("fingerprint").asText();
        String c = http.send("POST", "/v1/_probe/tree", key, "application/json", "{\"a\":1,\"b\":{\"c\":[2,1]}}".getBytes(), Map.of())
                .json().path("data").path("fingerprint").asText();
        assertThat(a).hasSize(64).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void an_unexpected_exception_is_a_bare_500_that_leaks_nothing() {
        Http.Response response = http.get("/v1/_probe/boom", key);
        assertThat(response.status()).isEqualTo(500);
        assertThat(response.json().path("error").asText()).isEqualTo("internal_error");
        assertThat(response.text()).doesNotContain("secret").doesNotContain("Exception").doesNotContain("com.example");
        assertThat(response.header("X-Request-Id")).contains(response.json().path("request_id").asText());
    }

    /** What {@link Dispatcher} (and the loggers named) log from now until closed, kept in {@link #events}. */
    private static final class CapturedLog implements AutoCloseable {
        final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> events =
                new ch.qos.logback.core.read.ListAppender<>();
        private final List<ch.qos.logback.classic.Logger> loggers = new java.util.ArrayList<>();

        CapturedLog(String... more) {
            events.start();
            loggers.add((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Dispatcher.class));
            for (String name : more) {
                loggers.add((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(name));
            }
            loggers.forEach(logger -> logger.addAppender(events));
        }

        @Override
        public void close() {
            loggers.forEach(logger -> logger.detachAppender(events));
        }
    }

    /**
     * A class that cannot be loaded (the jar the server runs from was rewritten under it) is answered and logged like
     * any other unexpected failure. Before, a {@link LinkageError} passed the handler's catch: the client's connection
     * was cut with no answer, and nothing was logged but a 500 in the access line.
     */
    @Test
    void a_class_that_cannot_be_loaded_is_a_logged_500_with_the_error_body() {
        CapturedLog log = new CapturedLog();
        var events = log.events;
        try {
            Http.Response response = http.get("/v1/_probe/linkage", key);
            assertThat(response.status()).isEqualTo(500);
            assertThat(response.json().path("error").asText()).isEqualTo("internal_error");
            assertThat(response.text()).doesNotContain("com/example");
            assertThat(events.list).anySatisfy(e -> {
                assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.ERROR);
                assertThat(e.getThrowableProxy().getClassName()).isEqualTo(NoClassDefFoundError.class.getName());
            });
        } finally {
            log.close();
        }
    }

    @Test
    void a_500_is_logged_with_its_request_id_and_access_lines_never_carry_the_key() {
        ch.qos.logback.classic.Logger access = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("msgbubbles.access");
        CapturedLog log = new CapturedLog("msgbubbles.access");
        var events = log.events;
        var previous = access.getLevel();
        access.setLevel(ch.qos.logback.classic.Level.INFO);
        try {
            Http.Response boom = http.get("/v1/_probe/boom", key);
            String requestId = boom.json().path("request_id").asText();
            postJson("{\"text\":\"a private message body\"}");
            var error = events.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR).findFirst().orElseThrow();
            assertThat(error.getMDCPropertyMap()).containsEntry("request_id", requestId);
            assertThat(error.getThrowableProxy().getMessage()).contains("secret internal detail");
            // the access line is written once the response is on its way: the client can read it a moment before
            java.util.function.Supplier<List<ch.qos.logback.classic.spi.ILoggingEvent>> accessLines = () -> {
                synchronized (events) { // the appender appends under its own lock
                    return events.list.stream().filter(e -> e.getLoggerName().equals("msgbubbles.access")).toList();
                }
            };
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
            while (accessLines.get().size() < 2 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            var lines = accessLines.get();
            assertThat(lines).hasSizeGreaterThanOrEqualTo(2);
            for (var line : lines) {
                String rendered = line.getFormattedMessage() + " " + line.getKeyValuePairs() + " " + line.getMDCPropertyMap();
                assertThat(rendered).doesNotContain(key).doesNotContain("private message body")
                        .contains("method").contains("route").contains("status").contains("latency_ms").contains("account_id");
                assertThat(line.getMDCPropertyMap()).containsKey("request_id");
            }
        } finally {
            access.setLevel(previous);
            log.close();
        }
    }

    @Test
    void readiness_is_503_unavailable_when_the_database_is_not_ready() {
        Config config = store.config(Map.of());
        ApiServices notReady = new ApiServices(new Authenticator(db, clock), new RateLimiter(clock, 100),
                new NumberDirectory(db, clock), Readiness.database(() -> false), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), features(config));
        try (ApiServer down = ApiServer.start(config.server(), notReady)) {
            Http.Response response = new Http(down.port()).get("/readyz", null);
            assertThat(response.status()).isEqualTo(503);
            assertThat(response.json().path("error").asText()).isEqualTo("unavailable");
            assertThat(new Http(down.port()).get("/healthz", null).status()).isEqualTo(200);
        }
    }

    /**
     * SIGTERM closes the server: a request under way gets its grace to finish and its answer (a send waiting for its
     * commit under load; Helidon's own half second interrupted it), and one that outlasts the grace is a normal stop,
     * logged as one warning line, never as an error with a stack trace.
     */
    @Test
    void a_request_under_way_when_the_server_stops_is_answered_and_one_outlasting_the_grace_logs_no_error()
            throws Exception {
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(2);
        Route slow = Route.api("GET", "/v1/_probe/slow", Set.of("ms"), r -> {
            entered.countDown();
            try {
                Thread.sleep(Long.parseLong(r.query("ms").orElseThrow()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // as GroupCommit does for a caller waiting for its commit
                throw new IllegalStateException("interrupted while waiting for a commit", e);
            }
            return ApiResponse.ok(Map.of("done", true));
        });
        Config config = store.config(Map.of());
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ApiServices services = new ApiServices(new Authenticator(db, clock), new RateLimiter(clock, 1_000_000),
                new NumberDirectory(db, clock), Readiness.database(db::ready), registry, features(config));
        CapturedLog log = new CapturedLog();
        var events = log.events;
        try (java.net.Socket uploading = new java.net.Socket()) {
            ApiServer stopping = ApiServer.start(config.server(), services, List.of(slow, Route.api("POST",
                            "/v1/_probe/json", Set.of(), r -> ApiResponse.status(201, r.json(Probe.class)))),
                    ApiServer.CLIENT_SILENCE, java.time.Duration.ofSeconds(3));
            // and a body still coming when the grace ends: the server's doing, not a malformed request
            uploading.connect(new java.net.InetSocketAddress("127.0.0.1", stopping.port()));
            uploading.getOutputStream().write(("POST /v1/_probe/json HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"text\":\"")
                    .getBytes(StandardCharsets.UTF_8));
            uploading.getOutputStream().flush();
            Http client = new Http(stopping.port());
            var within = java.util.concurrent.CompletableFuture.supplyAsync(() -> client.get("/v1/_probe/slow?ms=1500", key));
            var beyond = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return client.get("/v1/_probe/slow?ms=30000", key).status();
                } catch (java.io.UncheckedIOException e) {
                    return -1; // the connection closed under it: the client retries
                }
            });
            assertThat(entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            long started = System.nanoTime();
            stopping.close();
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(10));

            Http.Response answered = within.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(answered.status()).as(answered.text()).isEqualTo(200);
            assertThat(beyond.get(10, java.util.concurrent.TimeUnit.SECONDS)).isIn(-1, 500);
            // the stop returns once its grace has ended the requests' threads, which may still be logging and counting:
            // what they log is awaited (a snapshot taken at once missed the upload's line on a loaded machine)
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
            List<ch.qos.logback.classic.spi.ILoggingEvent> logged;
            do {
                synchronized (events) {
                    logged = List.copyOf(events.list);
                }
                if (logged.stream().filter(e -> e.getFormattedMessage().contains("interrupted by the server stopping"))
                        .count() >= 2 && registry.scrape().contains("route=\"/v1/_probe/json\",status=\"503\"")) {
                    break;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L); // a poll, not a wait for a retry
            } while (System.nanoTime() < deadline);
            assertThat(logged).filteredOn(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR)
                    .as("errors logged for a normal stop").isEmpty();
            assertThat(logged).filteredOn(e -> e.getFormattedMessage().contains("interrupted by the server stopping"))
                    .hasSize(2).allMatch(e -> e.getThrowableProxy() == null);
            assertThat(registry.scrape()).as("the cut-off body is counted as the stop's, not as a malformed request")
                    .contains("http_server_requests_seconds_count{method=\"POST\",route=\"/v1/_probe/json\",status=\"503\"} 1")
                    .doesNotContain("route=\"/v1/_probe/json\",status=\"400\"");
        } finally {
            log.close();
        }
    }

    /**
     * A client that sends part of a request and then nothing (slowloris) loses its connection once it has been silent
     * for the server's limit, instead of holding the connection and the
     * thread reading it for ever. The limit is 60 s ({@code ApiServer.CLIENT_SILENCE}); this server has 1 s.
     */
    @Test
    void a_client_silent_in_the_middle_of_a_request_loses_its_connection() throws Exception {
        Config config = store.config(Map.of("MSGBUBBLES_MAX_BODY_BYTES", Integer.toString(MAX_BODY)));
        ApiServices services = new ApiServices(new Authenticator(db, clock), new RateLimiter(clock, 1_000_000),
                new NumberDirectory(db, clock), Readiness.database(db::ready), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), features(config));
        try (ApiServer strict = ApiServer.start(config.server(), services, List.of(), java.time.Duration.ofSeconds(1))) {
            Map<String, String> partial = Map.of(
                    "half a head", "GET /v1/numbers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n",
                    "half a body", "POST /v1/webhooks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                            + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"url\":",
                    // a body the endpoint does not read: answered, then its rest is waited for as any body is
                    "half a body nobody reads", "GET /v1/numbers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                            + "\r\nContent-Length: 100\r\n\r\nabc");
            for (Map.Entry<String, String> request : partial.entrySet()) {
                try (java.net.Socket socket = new java.net.Socket("127.0.0.1", strict.port())) {
                    socket.setSoTimeout(15_000);
                    long started = System.nanoTime();
                    socket.getOutputStream().write(request.getValue().getBytes(StandardCharsets.ISO_8859_1));
                    socket.getOutputStream().flush(); // and then nothing, the connection left open
                    String answer;
                    try {
                        answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                    } catch (java.net.SocketTimeoutException e) {
                        throw new AssertionError(request.getKey() + ": the server kept a silent client's connection", e);
                    } catch (java.net.SocketException e) {
                        answer = "reset"; // closed under unread bytes: gone all the same
                    }
                    assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).as(request.getKey())
                            .isBetween(java.time.Duration.ofMillis(900), java.time.Duration.ofSeconds(10));
                    assertThat(answer).as(request.getKey()).doesNotContain(" 500 ");
                }
            }
            // a client that keeps talking is served as before
            assertThat(new Http(strict.port()).get("/v1/numbers", key).status()).isEqualTo(200);
        }
    }

    @Test
    void a_request_target_in_absolute_form_is_served_as_its_path_and_query() {
        String answer = exchangeUntilClosed(("GET http://127.0.0.1:" + server.port() + "/v1/numbers?limit=5 HTTP/1.1\r\n"
                + "Host: x\r\nAuthorization: Bearer " + key + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        // /v1/numbers takes no query: the 400 naming 'limit' shows the query was read apart from the path
        assertThat(answer).startsWith("HTTP/1.1 400 ").contains("\"param\":\"limit\"");
        String health = exchangeUntilClosed(("GET http://127.0.0.1:" + server.port() + "/healthz HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        assertThat(health).startsWith("HTTP/1.1 200 ");
    }

    /**
     * A body the endpoint never reads (a GET's, or one of a request refused before its body) is read after the answer,
     * so the connection reaches the next request, framed by the body's length; a body that is read keeps the
     * connection too. (A client silent in the middle of such a body: see the test of silent clients.)
     */
    @Test
    void a_body_left_unread_is_read_after_the_answer_and_the_connection_carries_on() {
        // refused before its body: answered, then the body is read past, and the next request is served as such
        String refused = exchangeUntilClosed(("POST /v1/webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                + "\r\nContent-Length: 2\r\n\r\n{}GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(refused).startsWith("HTTP/1.1 401 ");
        assertThat(refused.split("HTTP/1.1 ", -1)).as(refused).hasSize(3);
        assertThat(refused).contains("HTTP/1.1 200 ");
        // read bodies keep the connection: two requests with bodies, then one that asks to close, all answered
        String body = "{\"url\":\"http://127.0.0.1/hook\"}";
        String post = "POST /v1/webhooks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
        String kept = exchangeUntilClosed((post + post + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        assertThat(kept.split("HTTP/1.1 ", -1)).as(kept).hasSize(4);
        assertThat(kept.split("HTTP/1.1 200 ")[0]).as(kept).doesNotContainIgnoringCase("connection: close");
    }

    /**
     * The answer to a HEAD request has no content (RFC 9110 §9.3.2; a client reads none after its head): the next
     * response on the connection follows the head directly. It used to carry the JSON error body, which the client
     * then read as the beginning of the next answer.
     */
    @Test
    void an_answer_to_head_has_no_content_and_the_connection_stays_in_step() {
        // HEAD is answered wherever GET is (the GET's head, its Content-Length included), and refused where it is not
        for (Map.Entry<String, String> path : Map.of("/healthz", "HTTP/1.1 200 ", "/v1/numbers", "HTTP/1.1 200 ",
                "/nowhere", "HTTP/1.1 404 ", "/v1/sandbox/inbound", "HTTP/1.1 405 ").entrySet()) {
            String answer = exchangeUntilClosed(("HEAD " + path.getKey() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + key + "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            String[] parts = answer.split("\r\n\r\n", 2);
            assertThat(parts).as(answer).hasSize(2);
            assertThat(parts[0]).as(path.getKey()).startsWith(path.getValue());
            assertThat(parts[1]).as(path.getKey() + ": what follows the head of the HEAD answer").startsWith("HTTP/1.1 200 ");
        }
    }

    @Test
    void documented_refusals_keep_their_code_and_param() {
        Http.Response response = http.get("/v1/_probe/api-error?q=field", key);
        assertThat(response.status()).isEqualTo(409);
        assertThat(response.json().path("error").asText()).isEqualTo("conflict");
        assertThat(response.json().path("param").asText()).isEqualTo("field");
        assertInvalid(http.get("/v1/_probe/api-error?q=a&q=b", key), "q");
    }

    /**
     * Writes {@code request} to a new connection, half-closes it (the client sends nothing more) and reads until the
     * server closes it; a server that keeps the connection open fails the test by the read timeout.
     */
    private String exchangeUntilClosed(byte[] request) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            socket.shutdownOutput();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Sends {@code request} and keeps the connection open for writing, as a client that asked to close waits for the
     * server to do it: everything read until the server closes, or a failure when it does not within 3 s.
     */
    private String exchangeWaitingForTheServerToClose(byte[] request) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(3_000);
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the server did not close a connection its client asked to close", e);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A key guesser over its address's budget costs no database lookup: the authenticator here has a database of its
     * own, closed after the address's budget is spent (and the first refusal has read the keys' prefixes), and the next
     * guess is still answered 429 (a lookup would fail). A key in use from that address is judged by its own budget
     * (see AccountsContract for keys past the cache).
     */
    @Test
    void an_address_over_its_budget_of_failed_keys_is_429_before_any_lookup_while_a_key_in_use_goes_on() {
        Config config = store.config(Map.of());
        Database lookups = Database.open(config.storage(), null);
        ApiServices services = new ApiServices(new Authenticator(lookups, clock), new RateLimiter(clock, 3),
                new NumberDirectory(db, clock), Readiness.database(db::ready), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), features(config));
        try (ApiServer limited = ApiServer.start(config.server(), services)) {
            Http client = new Http(limited.port());
            assertThat(client.get("/v1/numbers", key).status()).isEqualTo(200);
            for (int i = 0; i < 3; i++) {
                assertThat(client.get("/v1/numbers", "sk_test_guess" + "x".repeat(34) + i).status()).isEqualTo(401);
            }
            assertThat(client.get("/v1/numbers", "sk_test_guess" + "x".repeat(34) + "y").status()).isEqualTo(429);
            lookups.close();
            Http.Response refused = client.get("/v1/numbers", "sk_test_guess" + "x".repeat(34) + "z");
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.json().path("error").asText()).isEqualTo("rate_limited");
            assertThat(refused.header("Retry-After")).isPresent();
            assertThat(client.get("/v1/numbers", key).status()).as("the key's own budget judges it").isEqualTo(200);
        }
    }

    @Test
    void a_405_is_counted_and_logged_under_the_route_template_its_path_matched() {
        Http.Response refused = http.send("DELETE", "/v1/_probe/json", key, null, new byte[0], Map.of());
        assertThat(refused.status()).isEqualTo(405);

        String metrics = http.get("/metrics", null).text();
        assertThat(metrics).contains("http_server_requests_seconds_count{method=\"DELETE\",route=\"/v1/_probe/json\",status=\"405\"}");
        assertThat(metrics).doesNotContain("method=\"DELETE\",route=\"unmatched\"");
    }

    /** The count of one series of the request histogram in the scrape, 0 when it has none yet. */
    private long requests(String method, String route, int status) {
        String series = "http_server_requests_seconds_count{method=\"" + method + "\",route=\"" + route + "\",status=\""
                + status + "\"} ";
        for (String line : http.get("/metrics", null).text().split("\n")) {
            if (line.startsWith(series)) {
                return (long) Double.parseDouble(line.substring(series.length()).trim());
            }
        }
        return 0;
    }

    @Test
    void a_413_refused_before_authentication_is_counted_once_under_its_route_template() {
        long before = requests("POST", "/v1/_probe/json", 413);
        long unmatchedBefore = requests("POST", "unmatched", 413);

        // no key: the announced size is refused first
        Http.Response refused = http.send("POST", "/v1/_probe/json", null, "application/json",
                new byte[MAX_BODY + 1], Map.of());
        assertThat(refused.status()).isEqualTo(413);

        assertThat(requests("POST", "/v1/_probe/json", 413)).isEqualTo(before + 1);
        assertThat(requests("POST", "unmatched", 413)).as("counted as a path without routes").isEqualTo(unmatchedBefore);
    }

    @Test
    void a_head_a_405_and_a_refused_key_are_each_counted_once_under_their_status() {
        long head = requests("HEAD", "/v1/numbers", 200);
        long wrong = requests("PUT", "/v1/numbers", 405);
        long refused = requests("GET", "/v1/numbers", 401);

        assertThat(http.send("HEAD", "/v1/numbers", key, null, null, Map.of()).status()).isEqualTo(200);
        assertThat(http.send("PUT", "/v1/numbers", key, "application/json", new byte[0], Map.of()).status()).isEqualTo(405);
        assertThat(http.get("/v1/numbers", "sk_test_" + "x".repeat(40)).status()).isEqualTo(401);

        assertThat(requests("HEAD", "/v1/numbers", 200)).isEqualTo(head + 1);
        assertThat(requests("PUT", "/v1/numbers", 405)).isEqualTo(wrong + 1);
        assertThat(requests("GET", "/v1/numbers", 401)).isEqualTo(refused + 1);
    }

    /**
     * Every label of the request histogram comes from a bounded set, whatever a client sends: thousands of distinct
     * paths, methods, query strings and header values add a handful of series (one per method, template and status
     * they reach), and none of what the client chose appears in the scrape.
     */
    @Test
    void what_a_client_sends_never_grows_the_scrape_beyond_a_bounded_set_of_series() {
        java.util.function.Supplier<Set<String>> series = () -> java.util.Arrays.stream(http.get("/metrics", null).text()
                        .split("\n"))
                .filter(line -> line.startsWith("http_server_requests_seconds_count{"))
                .map(line -> line.substring(0, line.indexOf('}') + 1))
                .collect(java.util.stream.Collectors.toSet());
        Set<String> before = series.get();
        String[] methods = {"GET", "POST", "DELETE", "PATCH"};
        for (int i = 0; i < 2000; i++) {
            String marker = "zq" + i + "x";
            String path = switch (i % 5) {
                case 0 -> "/" + marker + "/" + i;
                case 1 -> "/v1/" + marker;
                case 2 -> "/v1/messages/" + marker + "?" + marker + "=" + i;
                case 3 -> "/v1/webhooks/" + java.util.UUID.randomUUID() + "/deliveries?limit=" + marker;
                default -> "/healthz?" + marker;
            };
            String method = i % 3 == 0 ? "M" + marker.toUpperCase(java.util.Locale.ROOT) : methods[i % methods.length];
            http.send(method, path, i % 2 == 0 ? key : "sk_test_" + marker, null, null,
                    Map.of("X-Custom", marker, "User-Agent", marker, "Idempotency-Key", marker));
        }
        Set<String> after = series.get();
        Set<String> added = new java.util.TreeSet<>(after);
        added.removeAll(before);
        // bounded by the methods (seven and OTHER), the templates these paths reach and the statuses they get
        assertThat(added).as("series added: %s", added).hasSizeLessThan(60);
        String scrape = http.get("/metrics", null).text();
        assertThat(scrape).doesNotContain("zq").doesNotContain(key);
    }

    @Test
    void a_request_with_two_authorization_headers_is_401_whichever_comes_first() {
        for (String[] pair : new String[][] {{key, "sk_test_someoneelse"}, {"sk_test_someoneelse", key}, {key, key}}) {
            String answer = exchangeUntilClosed(("GET /v1/numbers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + pair[0]
                    + "\r\nAuthorization: Bearer " + pair[1] + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            assertThat(answer).startsWith("HTTP/1.1 401").contains("\"error\":\"unauthorized\"")
                    .contains("more than one Authorization header");
        }
        assertThat(http.get("/v1/numbers", key).status()).as("one header still works").isEqualTo(200);
    }

    @Test
    void connection_close_ends_the_connection_after_one_answer_so_an_unread_body_never_runs_as_a_request() {
        // refused before its body is read (the wrong content type), a request's body held a second request: with
        // Connection: close Helidon skipped draining the body but kept reading the connection, and ran it
        String inner = "GET /v1/numbers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n\r\n";
        String smuggling = "POST /v1/_probe/json HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                + "\r\nContent-Type: text/plain\r\nContent-Length: " + inner.length() + "\r\nConnection: close\r\n\r\n" + inner;
        String response = exchangeWaitingForTheServerToClose(smuggling.getBytes(StandardCharsets.UTF_8));
        assertThat(response).startsWith("HTTP/1.1 400 ").contains("\"error\":\"invalid_request\"");
        assertThat(response.indexOf("HTTP/1.1", 1)).as("a second answer: " + response).isNegative();

        // and a plain request that asks to close gets its answer, then the end of the connection
        String health = exchangeWaitingForTheServerToClose(
                "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        assertThat(health).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void an_http_1_0_request_is_505_saying_http_1_1_is_required_never_503_unavailable() {
        for (String request : List.of("GET /healthz HTTP/1.0\r\n\r\n",
                "GET /v1/numbers HTTP/1.0\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\n\r\n",
                "POST /v1/_probe/json HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")) {
            String response = exchangeUntilClosed(request.getBytes(StandardCharsets.UTF_8));
            assertThat(response).as(request).startsWith("HTTP/1.1 505 ")
                    .containsIgnoringCase("\r\nconnection: close\r\n")
                    .containsIgnoringCase("\r\nx-request-id: req_")
                    .contains("\"error\":\"invalid_request\"", "HTTP/1.1 is required", "proxy_http_version 1.1",
                            "\"request_id\":\"req_")
                    .doesNotContain("unavailable");
        }
    }

    /** Requests Helidon answers itself, before any route sees them, are counted (and logged) as every other one. */
    @Test
    void requests_refused_before_routing_are_counted_under_unmatched_with_their_status() {
        long old = requests("GET", "unmatched", 505);
        long malformed = requests("OTHER", "unmatched", 400);

        assertThat(exchangeUntilClosed("GET /healthz HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.UTF_8)))
                .startsWith("HTTP/1.1 505 ");
        assertThat(exchangeUntilClosed("NONSENSE\r\n\r\n".getBytes(StandardCharsets.UTF_8))).startsWith("HTTP/1.1 400 ");

        assertThat(requests("GET", "unmatched", 505)).isEqualTo(old + 1);
        assertThat(requests("OTHER", "unmatched", 400)).isEqualTo(malformed + 1);
    }

    @Test
    void a_transfer_coding_other_than_chunked_is_501_invalid_request_not_unavailable() {
        String response = exchangeUntilClosed(("POST /v1/_probe/json HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                + "\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(response).startsWith("HTTP/1.1 501 ").contains("\"error\":\"invalid_request\"", "Transfer-Encoding")
                .doesNotContain("unavailable");
    }

    @Test
    void a_truncated_or_malformed_body_is_400_invalid_request_without_an_error_log() {
        CapturedLog log = new CapturedLog();
        var events = log.events;
        String head = "POST /v1/_probe/json HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                + "\r\nContent-Type: application/json\r\n";
        try {
            Map<String, String> cases = new java.util.LinkedHashMap<>();
            cases.put("shorter than its Content-Length, then the client stops sending",
                    head + "Content-Length: 500\r\n\r\n{\"text\":\"x\"}");
            cases.put("a chunk size that is not hex", head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{\"text\":\"x\"}\r\n0\r\n\r\n");
            cases.put("a chunked body cut off inside a chunk", head + "Transfer-Encoding: chunked\r\n\r\n20\r\n{\"text\":");
            cases.put("a chunked body cut off before its last chunk", head + "Transfer-Encoding: chunked\r\n\r\nc\r\n{\"text\":\"x\"}\r\n");
            for (var c : cases.entrySet()) {
                String response = exchangeUntilClosed(c.getValue().getBytes(StandardCharsets.UTF_8));
                assertThat(response).as(c.getKey()).startsWith("HTTP/1.1 400 ")
                        .contains("\"error\":\"invalid_request\"", "could not read the request body", "\"request_id\":\"req_")
                        .containsIgnoringCase("\r\nconnection: close\r\n")
                        .doesNotContain("Exception");
                // one answer, then the connection ends: the rest of the body is not read as another request
                assertThat(response.indexOf("HTTP/1.1", 1)).as(c.getKey() + ": " + response).isNegative();
            }
            // a well-formed request on a connection of its own still works
            assertThat(postJson("{\"text\":\"x\"}").status()).isEqualTo(201);
            assertThat(events.list).as("log lines of the dispatcher")
                    .noneMatch(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN));
        } finally {
            log.close();
        }
    }

    @Test
    void an_event_stream_whose_client_goes_away_ends_with_a_debug_line_not_an_error() throws Exception {
        CapturedLog log = new CapturedLog();
        var events = log.events;
        ch.qos.logback.classic.Logger dispatcher = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Dispatcher.class);
        var previous = dispatcher.getLevel();
        dispatcher.setLevel(ch.qos.logback.classic.Level.DEBUG);
        try {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("GET /v1/events/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                        + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
                java.io.InputStream in = socket.getInputStream();
                StringBuilder seen = new StringBuilder();
                while (!seen.toString().contains(": stream of events")) {
                    int b = in.read();
                    assertThat(b).as("the stream's first comment").isNotNegative();
                    seen.append((char) b);
                }
            } // the client goes away; the next heartbeats (every second here) find the connection gone
            java.util.function.Supplier<List<ch.qos.logback.classic.spi.ILoggingEvent>> streamLines = () -> {
                synchronized (events) {
                    return events.list.stream().filter(e -> e.getFormattedMessage().startsWith("stream ")).toList();
                }
            };
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
            while (streamLines.get().isEmpty() && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
            }
            assertThat(streamLines.get()).as("the stream's end").hasSize(1).allSatisfy(line -> {
                assertThat(line.getLevel()).isEqualTo(ch.qos.logback.classic.Level.DEBUG);
                assertThat(line.getFormattedMessage()).contains("ended");
                assertThat(line.getThrowableProxy()).isNull();
            });
        } finally {
            dispatcher.setLevel(previous);
            log.close();
        }
    }

    /**
     * A stream's client that stops reading while the connection stays up (its process hung, a laptop put to sleep
     * behind a NAT that keeps the connection): the stream's write waits for room in the connection, and waited for
     * ever, holding the connection and its thread, and with them an account's events, until the server stopped; no
     * heartbeat could go out, so neither a revoked key nor anything else ended it. A write that makes no progress
     * for as long as a request may stay silent ends the stream, as a silent client's request ends.
     */
    @Test
    void an_event_stream_whose_client_stops_reading_ends_once_a_write_has_waited_the_silence_limit() throws Exception {
        Config config = store.config(Map.of("MSGBUBBLES_MAX_BODY_BYTES", Integer.toString(MAX_BODY)));
        ApiServices services = new ApiServices(new Authenticator(db, clock), new RateLimiter(clock, 1_000_000),
                new NumberDirectory(db, clock), Readiness.database(db::ready),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), features(config));
        var account = new AccountAdmin(db, clock).create("stuck-stream");
        CapturedLog log = new CapturedLog();
        ch.qos.logback.classic.Logger dispatcher = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Dispatcher.class);
        var previous = dispatcher.getLevel();
        dispatcher.setLevel(ch.qos.logback.classic.Level.DEBUG);
        try (ApiServer strict = ApiServer.start(config.server(), services, List.of(), java.time.Duration.ofSeconds(1));
             java.net.Socket socket = new java.net.Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", strict.port()));
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /v1/events/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + account.testKey().key() + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            java.io.InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains(": stream of events")) {
                int b = in.read();
                assertThat(b).as("the stream's first comment").isNotNegative();
                seen.append((char) b);
            }
            // then the client reads no more, and the stream has 8 MB for it: far more than the connection holds
            var events = new dev.msgbubbles.event.EventLog(dev.msgbubbles.event.EventLog.Fanout.NONE);
            String filler = "x".repeat(4000);
            for (int batch = 0; batch < 20; batch++) {
                List<dev.msgbubbles.event.EventLog.Pending> pending = new java.util.ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    pending.add(dev.msgbubbles.event.EventLog.pending(account.account().id(),
                            dev.msgbubbles.common.Mode.TEST, dev.msgbubbles.event.EventType.MESSAGE_SENT, null,
                            Map.of("filler", filler), clock.instant()));
                }
                db.writeVoid(tx -> events.append(tx, pending));
            }
            java.util.function.Supplier<List<ch.qos.logback.classic.spi.ILoggingEvent>> streamLines = () -> {
                synchronized (log.events) {
                    return log.events.list.stream().filter(e -> e.getFormattedMessage().startsWith("stream ")).toList();
                }
            };
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
            while (streamLines.get().isEmpty() && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
            }
            assertThat(streamLines.get()).as("the stream's end, within 20 s of a 1 s limit").hasSize(1)
                    .allSatisfy(line -> {
                        assertThat(line.getLevel()).isEqualTo(ch.qos.logback.classic.Level.DEBUG);
                        assertThat(line.getFormattedMessage()).contains("ended");
                    });
        } finally {
            dispatcher.setLevel(previous);
            log.close();
        }
    }

    /**
     * A stream is authenticated once, when it opens; it carries every event of the account (message texts, phone
     * numbers) for as long as it stays open. Revoking its key (or suspending the account) must end it, as it ends
     * the key's requests, within the key cache's lifetime: the stream went on for ever.
     */
    @Test
    void an_open_event_stream_ends_when_its_key_is_revoked() throws Exception {
        String doomed = new AccountAdmin(db, clock).create("revoked-stream").testKey().key();
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(15_000);
            socket.getOutputStream().write(("GET /v1/events/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + doomed
                    + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            java.io.InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            while (!seen.toString().contains(": heartbeat")) {
                int b = in.read();
                assertThat(b).as("the stream's first heartbeat").isNotNegative();
                seen.append((char) b);
            }

            new AccountAdmin(db, clock).revoke(doomed);
            clock.advance(Authenticator.CACHE_TTL.plusSeconds(1));

            // heartbeats come every second here: the stream ends at the next one (its last chunk, or the connection)
            seen.setLength(0);
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
            boolean ended = false;
            try {
                while (!ended && System.nanoTime() < deadline) {
                    int b = in.read();
                    seen.append((char) b);
                    ended = b < 0 || seen.toString().endsWith("\r\n0\r\n\r\n");
                }
            } catch (java.net.SocketException gone) {
                ended = true;
            }
            assertThat(ended).as("the stream ended; it sent: %s", seen).isTrue();
        }
    }

    @Test
    void a_client_gone_is_recognised_through_the_cause_chain() {
        var broken = new java.io.UncheckedIOException(new java.net.SocketException("Broken pipe"));
        assertThat(Dispatcher.clientGone(new io.helidon.webserver.ServerConnectionException("Failed to write chunked "
                + "response data", broken))).isTrue();
        assertThat(Dispatcher.clientGone(new IllegalStateException("wrapped", new io.helidon.webserver.ServerConnectionException(
                "Failed to write", broken)))).isTrue();
        assertThat(Dispatcher.clientGone(new IllegalStateException("a bug", new IllegalArgumentException("cause")))).isFalse();
    }

    /** Seeded, so a failure reproduces: random methods, paths, headers and bodies never produce a 5xx. */
    @Test
    void seeded_fuzzing_of_the_request_pipeline_never_produces_a_server_error() {
        Random random = new Random(20261123L);
        String id = java.util.UUID.randomUUID().toString();
        String[] paths = {"/v1/_probe/json", "/v1/_probe/tree", "/v1/_probe/idempotency", "/v1/numbers", "/v1/",
                "/v1/_probe/json?x=1", "/v1/numbers?%41=1", "/healthz", "/v1/%2e%2e/numbers", "/v1/numbers%00",
                "/v1/messages", "/v1/messages?limit=0&before=x", "/v1/messages?status=%FF", "/v1/messages/" + id,
                "/v1/messages/" + id + "/react", "/v1/messages/" + id + "/edit", "/v1/messages/" + id + "/unsend",
                "/v1/messages/" + id + "/retry", "/v1/messages/not-an-id", "/v1/chats?before=" + id, "/v1/chats/" + id,
                "/v1/handles/availability?handle=+1", "/v1/sandbox/inbound", "/v1/sandbox/typing", "/v1/webhooks",
                "/v1/webhooks?limit=2&before=" + id, "/v1/webhooks/" + id, "/v1/webhooks/" + id + "/rotate-secret",
                "/v1/events", "/v1/events?after=-1", "/v1/events?types=message.read,x&limit=5", "/v1/events?after=99999999999999999999"};
        String[] methods = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
        String[] types = {"application/json", "text/plain", "application/json; charset=utf-16", "", "*/*"};
        String[] fragments = {"{", "}", "[", "]", "\"", ":", ",", "null", "true", "1e999", "-0", "\\u0000", "\"text\"",
                "\"count\"", "\"metadata\"", "\u202e", "\ud83d\ude00", "\u0000", "9".repeat(400), "\"to\"",
                "\"+18005550100\"", "\"from_handle\"", "\"conversation_id\"", "\"reaction\"", "\"scheduled_at\"",
                "\"2026-11-23T10:00:00Z\"", "\"" + id + "\"", "\"url\"", "\"https://93.184.216.34/h\"", "\"events\"",
                "\"message.read\"", "\"enabled\"", "false", "\"http://127.0.0.1/\""};
        for (int i = 0; i < 1200; i++) {
            StringBuilder body = new StringBuilder();
            int parts = random.nextInt(30);
            for (int p = 0; p < parts; p++) {
                body.append(fragments[random.nextInt(fragments.length)]);
            }
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            if (random.nextInt(4) == 0 && bytes.length > 0) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }
            String type = types[random.nextInt(types.length)];
            String method = methods[random.nextInt(methods.length)];
            Http.Response response = http.send(method, paths[random.nextInt(paths.length)],
                    random.nextInt(10) == 0 ? null : key, type.isEmpty() ? null : type,
                    method.equals("GET") || method.equals("DELETE") ? null : bytes, Map.of());
            assertThat(response.status()).as("case %d: %s", i, response.text()).isLessThan(500);
            assertThat(response.text()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }
}
