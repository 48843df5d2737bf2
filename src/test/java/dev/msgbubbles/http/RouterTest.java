package dev.msgbubbles.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RouterTest {

    private static final Endpoint OK = r -> ApiResponse.ok("x");

    private static final Route GET_PARTICIPANT = Route.api("GET", "/v1/chats/{id}/participants/{handle}", Set.of(), OK);
    private static final Route DELETE_PARTICIPANT = Route.api("DELETE", "/v1/chats/{id}/participants/{handle}", Set.of(), OK);
    private static final Route PUT_PARTICIPANT = Route.api("PUT", "/v1/chats/{id}/participants/{handle}", Set.of(), OK);
    private static final Route LIST_CHATS = Route.api("GET", "/v1/chats", Set.of("limit", "before"), OK);
    private static final Route CREATE_CHAT = Route.api("POST", "/v1/chats", Set.of(), OK);
    private static final Route GET_CHAT = Route.api("GET", "/v1/chats/{id}", Set.of(), OK);
    private static final Route HEALTH = Route.ops("GET", "/health", OK);

    private final Router router = new Router(List.of(
            LIST_CHATS, CREATE_CHAT, GET_CHAT, PUT_PARTICIPANT, GET_PARTICIPANT, DELETE_PARTICIPANT, HEALTH));

    private static List<String> path(String... segments) {
        return List.of(segments);
    }

    @Test
    void matches_a_route_and_binds_its_path_parameters() {
        Router.Match match = router.match("GET", path("v1", "chats", "abc", "participants", "+15555550123"));

        assertThat(match).isInstanceOf(Router.Found.class);
        Router.Found found = (Router.Found) match;
        assertThat(found.route()).isSameAs(GET_PARTICIPANT);
        assertThat(found.params()).containsExactly(Map.entry("id", "abc"), Map.entry("handle", "+15555550123"));
    }

    @Test
    void picks_the_route_for_the_requested_method_on_a_shared_template() {
        Router.Match match = router.match("DELETE", path("v1", "chats", "c1", "participants", "bob@example.com"));

        assertThat(match).isInstanceOfSatisfying(Router.Found.class, f -> {
            assertThat(f.route()).isSameAs(DELETE_PARTICIPANT);
            assertThat(f.params()).containsEntry("handle", "bob@example.com");
        });
    }

    @Test
    void literal_route_without_parameters_binds_no_params() {
        assertThat(router.match("GET", path("v1", "chats")))
                .isInstanceOfSatisfying(Router.Found.class, f -> {
                    assertThat(f.route()).isSameAs(LIST_CHATS);
                    assertThat(f.params()).isEmpty();
                });
        assertThat(router.match("GET", path("health")))
                .isInstanceOfSatisfying(Router.Found.class, f -> assertThat(f.route()).isSameAs(HEALTH));
    }

    @Test
    void wrong_method_lists_every_allowed_method_sorted_and_comma_separated() {
        Router.Match match = router.match("POST", path("v1", "chats", "abc", "participants", "+15555550123"));

        assertThat(match).isEqualTo(new Router.WrongMethod("/v1/chats/{id}/participants/{handle}", "DELETE, GET, HEAD, PUT"));
    }

    @Test
    void wrong_method_on_a_path_with_two_routes() {
        assertThat(router.match("PATCH", path("v1", "chats"))).isEqualTo(new Router.WrongMethod("/v1/chats", "GET, HEAD, POST"));
        assertThat(router.match("POST", path("v1", "chats", "c1"))).isEqualTo(new Router.WrongMethod("/v1/chats/{id}", "GET, HEAD"));
    }

    @Test
    void head_takes_the_get_route_of_a_path_that_has_no_head_route_of_its_own() {
        assertThat(router.match("HEAD", path("health")))
                .isInstanceOfSatisfying(Router.Found.class, f -> assertThat(f.route()).isSameAs(HEALTH));
        assertThat(router.match("HEAD", path("v1", "chats", "c1")))
                .isInstanceOfSatisfying(Router.Found.class, f -> assertThat(f.params()).containsEntry("id", "c1"));
        assertThat(router.match("HEAD", path("v1", "nowhere"))).isInstanceOf(Router.NotFound.class);
    }

    @Test
    void method_is_matched_case_sensitively() {
        assertThat(router.match("get", path("v1", "chats"))).isInstanceOf(Router.WrongMethod.class);
    }

    @Test
    void unknown_path_is_not_found() {
        assertThat(router.match("GET", path("v1", "messages"))).isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", path("v2", "chats"))).isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", path())).isInstanceOf(Router.NotFound.class);
    }

    @Test
    void segment_count_mismatch_is_not_found() {
        assertThat(router.match("GET", path("v1", "chats", "abc", "participants"))).isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", path("v1", "chats", "abc", "participants", "h", "extra")))
                .isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", path("v1"))).isInstanceOf(Router.NotFound.class);
    }

    @Test
    void literal_segments_must_match_exactly() {
        assertThat(router.match("GET", path("v1", "chats", "abc", "participant", "h"))).isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", path("v1", "Chats"))).isInstanceOf(Router.NotFound.class);
    }

    @Test
    void an_empty_parameter_segment_does_not_match() {
        assertThat(router.match("GET", path("v1", "chats", "", "participants", "+15555550123")))
                .isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", path("v1", "chats", "abc", "participants", "")))
                .isInstanceOf(Router.NotFound.class);
        assertThat(router.match("GET", path("v1", "chats", ""))).as("trailing slash").isInstanceOf(Router.NotFound.class);
    }

    @Test
    void routes_are_kept_in_order() {
        assertThat(router.routes()).containsExactly(
                LIST_CHATS, CREATE_CHAT, GET_CHAT, PUT_PARTICIPANT, GET_PARTICIPANT, DELETE_PARTICIPANT, HEALTH);
    }

    @Test
    void route_segments_split_the_template() {
        assertThat(GET_PARTICIPANT.segments()).containsExactly("v1", "chats", "{id}", "participants", "{handle}");
        assertThat(HEALTH.segments()).containsExactly("health");
    }

    @Test
    void api_route_must_live_under_v1() {
        assertThatThrownBy(() -> Route.api("GET", "/health", Set.of(), OK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/health");
        assertThatThrownBy(() -> Route.api("GET", "/v2/chats", Set.of(), OK)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Route.api("GET", "/v1", Set.of(), OK)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void ops_route_must_not_live_under_v1() {
        assertThatThrownBy(() -> Route.ops("GET", "/v1/health", OK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/v1/health");
    }

    @Test
    void ops_route_accepts_no_query_parameters_and_is_not_api() {
        assertThat(HEALTH.api()).isFalse();
        assertThat(HEALTH.query()).isEmpty();
        assertThat(LIST_CHATS.api()).isTrue();
        assertThat(LIST_CHATS.query()).containsExactlyInAnyOrder("limit", "before");
    }

    @Test
    void found_route_runs_its_endpoint() {
        Router.Found found = (Router.Found) router.match("GET", path("v1", "chats"));

        ApiResponse response = found.route().endpoint().handle(null);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.payload()).isEqualTo(new ApiResponse.Data("x"));
    }
}
