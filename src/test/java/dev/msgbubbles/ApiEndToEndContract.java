package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.account.Account;
import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.account.Authenticator;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The whole server booted on a free port (composition root, real database, real HTTP), exercised the way a
 * client of the hosted API would. One subclass per store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ApiEndToEndContract {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private TestStore store;
    private App app;
    private Http http;
    private CreatedAccount defaults;
    private AccountAdmin admin;
    private NumberDirectory numbers;

    abstract TestStore newStore();

    @BeforeAll
    void start() {
        store = newStore();
        app = App.start(store.config(Map.of()), clock);
        http = new Http(app.port());
        defaults = app.bootstrapped().orElseThrow();
        admin = new AccountAdmin(app.database(), clock);
        numbers = new NumberDirectory(app.database(), clock);
    }

    @AfterAll
    void stop() {
        app.close();
        store.close();
    }

    private CreatedAccount newAccount() {
        return admin.create("e2e-" + UUID.randomUUID());
    }

    private void assertErrorShape(Http.Response response, int status, String code) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        assertThat(response.header("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode body = response.json();
        assertThat(body.path("error").asText()).isEqualTo(code);
        assertThat(body.path("message").asText()).isNotBlank();
        assertThat(body.path("request_id").asText()).startsWith("req_");
        assertThat(response.header("X-Request-Id")).contains(body.path("request_id").asText());
        assertThat(body.has("data")).isFalse();
    }

    @Test
    void first_start_creates_the_default_account_whose_test_key_lists_the_sandbox_number() {
        Http.Response response = http.get("/v1/numbers", defaults.testKey().key());
        assertThat(response.status()).isEqualTo(200);
        JsonNode body = response.json();
        assertThat(body.path("data")).hasSize(1);
        JsonNode number = body.path("data").get(0);
        assertThat(number.path("handle").asText()).isEqualTo("+18005550100");
        assertThat(number.path("channels").toString()).isEqualTo("[\"imessage\",\"sms\",\"whatsapp\"]");
        assertThat(number.path("label").asText()).isEqualTo("sandbox");
        assertThat(number.path("status").asText()).isEqualTo("online");
        assertThat(body.path("has_more").asBoolean(true)).isFalse();
        assertThat(body.path("request_id").asText()).startsWith("req_");
        assertThat(response.header("X-Request-Id")).contains(body.path("request_id").asText());
    }

    @Test
    void a_live_key_never_sees_test_mode_numbers() {
        Http.Response response = http.get("/v1/numbers", defaults.liveKey().key());
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().path("data")).isEmpty();
    }

    @Test
    void accounts_only_ever_see_their_own_numbers() {
        CreatedAccount other = newAccount();
        numbers.add(new NumberDirectory.NewNumber(other.account().id(), "+14155550177", EnumSet.of(ChannelType.SMS),
                Mode.LIVE, Provider.TWILIO, "other live"));
        JsonNode otherLive = http.get("/v1/numbers", other.liveKey().key()).json().path("data");
        assertThat(otherLive).hasSize(1);
        assertThat(otherLive.get(0).path("handle").asText()).isEqualTo("+14155550177");
        assertThat(otherLive.get(0).path("channels").toString()).isEqualTo("[\"sms\"]");
        assertThat(http.get("/v1/numbers", other.testKey().key()).json().path("data")).isEmpty();
        assertThat(http.get("/v1/numbers", defaults.testKey().key()).json().path("data").toString())
                .doesNotContain("+14155550177");
    }

    @Test
    void every_authentication_failure_is_401_unauthorized() {
        String key = newAccount().testKey().key();
        assertErrorShape(http.get("/v1/numbers", null), 401, "unauthorized");
        assertErrorShape(http.send("GET", "/v1/numbers", null, null, null, Map.of("Authorization", "Basic dXNlcjpwYXNz")), 401, "unauthorized");
        assertErrorShape(http.send("GET", "/v1/numbers", null, null, null, Map.of("Authorization", "Bearer")), 401, "unauthorized");
        assertErrorShape(http.get("/v1/numbers", "not-a-key"), 401, "unauthorized");
        assertErrorShape(http.get("/v1/numbers", "sk_test_" + "A".repeat(40)), 401, "unauthorized");
        assertErrorShape(http.get("/v1/numbers", key.substring(0, 20)), 401, "unauthorized");
        assertThat(http.get("/v1/numbers", key).status()).isEqualTo(200);
        admin.revoke(key);
        clock.advance(Authenticator.CACHE_TTL.plusSeconds(1));
        Http.Response revoked = http.get("/v1/numbers", key);
        assertErrorShape(revoked, 401, "unauthorized");
        assertThat(revoked.text()).doesNotContain(key);
    }

    @Test
    void a_suspended_account_is_403_forbidden_until_activated() {
        CreatedAccount account = newAccount();
        admin.setStatus(account.account().id(), Account.Status.SUSPENDED);
        clock.advance(Authenticator.CACHE_TTL.plusSeconds(1));
        assertErrorShape(http.get("/v1/numbers", account.testKey().key()), 403, "forbidden");
        assertErrorShape(http.get("/v1/numbers", account.liveKey().key()), 403, "forbidden");
        admin.setStatus(account.account().id(), Account.Status.ACTIVE);
        clock.advance(Authenticator.CACHE_TTL.plusSeconds(1));
        assertThat(http.get("/v1/numbers", account.testKey().key()).status()).isEqualTo(200);
    }

    @Test
    void unknown_routes_are_404_and_wrong_methods_405_with_allow() {
        String key = defaults.testKey().key();
        assertErrorShape(http.get("/v1/nope", key), 404, "not_found");
        assertErrorShape(http.get("/v1/numbers/", key), 404, "not_found");
        assertErrorShape(http.get("/v1/numbers/extra", key), 404, "not_found");
        assertErrorShape(http.get("/v1/%00%ff", key), 404, "not_found");
        assertErrorShape(http.get("/v2/numbers", key), 404, "not_found");
        assertErrorShape(http.get("/", null), 404, "not_found");
        for (String method : new String[] {"POST", "PUT", "PATCH", "DELETE"}) {
            Http.Response response = http.send(method, "/v1/numbers", key, "application/json", "{}".getBytes(), Map.of());
            assertErrorShape(response, 405, "method_not_allowed");
            assertThat(response.header("Allow")).contains("GET, HEAD");
        }
    }

    @Test
    void head_is_answered_wherever_get_is_with_its_headers_and_no_body() {
        String key = defaults.testKey().key();
        Http.Bytes get = http.sendForBytes("GET", "/v1/numbers", key, null, null, Map.of());
        Http.Bytes head = http.sendForBytes("HEAD", "/v1/numbers", key, null, null, Map.of());
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.header("Content-Type")).contains("application/json");
        // the length of what the GET sent (request ids are all of one length)
        assertThat(head.header("Content-Length")).contains(Integer.toString(get.body().length));
        assertThat(head.header("X-RateLimit-Limit")).isPresent();
        assertThat(http.sendForBytes("HEAD", "/healthz", null, null, null, Map.of()).status()).isEqualTo(200);
        // the GET's refusals too, without their bodies
        Http.Bytes unauthorized = http.sendForBytes("HEAD", "/v1/numbers", null, null, null, Map.of());
        assertThat(unauthorized.status()).isEqualTo(401);
        assertThat(unauthorized.body()).isEmpty();
        assertThat(http.sendForBytes("HEAD", "/v1/nope", key, null, null, Map.of()).status()).isEqualTo(404);
        Http.Bytes postOnly = http.sendForBytes("HEAD", "/v1/sandbox/inbound", key, null, null, Map.of());
        assertThat(postOnly.status()).isEqualTo(405);
        assertThat(postOnly.header("Allow")).contains("POST");
        // an event stream's headers, without running it
        Http.Bytes stream = http.sendForBytes("HEAD", "/v1/events/stream", key, null, null, Map.of());
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.header("Content-Type").orElseThrow()).startsWith("text/event-stream");
        // and the connection carries on after them
        assertThat(http.get("/v1/numbers", key).status()).isEqualTo(200);
    }

    @Test
    void unknown_or_repeated_query_parameters_are_400_naming_the_parameter() {
        Http.Response response = http.get("/v1/numbers?limit=5", defaults.testKey().key());
        assertErrorShape(response, 400, "invalid_request");
        assertThat(response.json().path("param").asText()).isEqualTo("limit");
    }

    @Test
    void every_api_response_carries_rate_limit_headers_and_the_budget_ends_in_429() {
        String key = newAccount().testKey().key();
        Http.Response first = http.get("/v1/numbers", key);
        assertThat(first.header("X-RateLimit-Limit")).contains("120");
        assertThat(first.header("X-RateLimit-Remaining")).contains("119");
        assertThat(first.header("X-RateLimit-Reset")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 60L));
        for (int i = 2; i <= 120; i++) {
            assertThat(http.get("/v1/numbers", key).status()).as("request %d", i).isEqualTo(200);
        }
        Http.Response limited = http.get("/v1/numbers", key);
        assertErrorShape(limited, 429, "rate_limited");
        assertThat(limited.header("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
        assertThat(limited.header("X-RateLimit-Remaining")).contains("0");
        // Errors count too, and carry the headers.
        assertThat(http.get("/v1/nope", key).header("X-RateLimit-Limit")).contains("120");

        clock.advance(Duration.ofSeconds(1)); // 2 tokens a second at 120/min
        assertThat(http.get("/v1/numbers", key).status()).isEqualTo(200);
        assertThat(http.get("/v1/numbers", key).status()).isEqualTo(200);
        assertThat(http.get("/v1/numbers", key).status()).isEqualTo(429);
        clock.advance(Duration.ofMinutes(1));
        assertThat(http.get("/v1/numbers", key).header("X-RateLimit-Remaining")).contains("119");
    }

    @Test
    void failed_authentications_are_rate_limited_per_client_address() {
        String neverUsed = newAccount().testKey().key();
        int status = 0;
        int attempts = 0;
        while (attempts < 200 && status != 429) {
            Http.Response response = http.get("/v1/numbers", "sk_test_" + "B".repeat(40));
            status = response.status();
            attempts++;
            assertThat(response.header("X-RateLimit-Limit")).contains("120");
        }
        assertThat(status).isEqualTo(429);
        assertThat(attempts).isEqualTo(121);
        // A valid key has its own bucket and is unaffected, used before or not (one created in the last 2 s may wait).
        assertThat(http.get("/v1/numbers", neverUsed).status()).isEqualTo(200);
        clock.advance(Duration.ofMinutes(1)); // leave a full bucket for the other tests
    }

    @Test
    void health_readiness_and_metrics_need_no_key() {
        Http.Response health = http.get("/healthz", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().path("data").path("status").asText()).isEqualTo("ok");
        Http.Response ready = http.get("/readyz", null);
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().path("data").path("status").asText()).isEqualTo("ready");
        http.get("/v1/numbers", defaults.testKey().key());
        Http.Response metrics = http.get("/metrics", null);
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.header("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        assertThat(metrics.text())
                .contains("http_server_requests_seconds_count{method=\"GET\",route=\"/v1/numbers\",status=\"200\"}")
                .contains("http_server_requests_seconds_bucket")
                .contains("hikaricp_connections")
                .doesNotContain(defaults.testKey().key());
        assertErrorShape(http.send("POST", "/healthz", null, null, null, Map.of()), 405, "method_not_allowed");
    }

    @Test
    void request_ids_are_unique_per_response() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            ids.add(http.get("/healthz", null).header("X-Request-Id").orElseThrow());
        }
        assertThat(ids).hasSize(20).allSatisfy(id -> assertThat(id).startsWith("req_"));
    }

    @Test
    void malformed_http_is_answered_with_the_json_error_shape() {
        String badLine = http.raw("GARBAGE\r\n\r\n".getBytes());
        assertThat(badLine).startsWith("HTTP/1.1 4").contains("\"error\":\"invalid_request\"");
        String badEscape = http.raw("GET /v1/numbers?x=%zz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
        assertThat(badEscape).startsWith("HTTP/1.1 400").contains("\"error\":\"invalid_request\"");
        String hugeHeader = http.raw(("GET /v1/numbers HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(70_000) + "\r\n\r\n").getBytes());
        assertThat(hugeHeader).startsWith("HTTP/1.1 4").contains("\"error\":");
        String longPath = http.raw(("GET /v1/" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes());
        assertThat(longPath).startsWith("HTTP/1.1 4").contains("\"error\":");
        assertThat(http.get("/healthz", null).status()).isEqualTo(200);
    }
}
