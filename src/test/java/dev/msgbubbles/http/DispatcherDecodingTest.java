package dev.msgbubbles.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DispatcherDecodingTest {

    private static void assertInvalidRequest(Runnable call) {
        ApiException e = catchThrowableOfType(ApiException.class, call::run);
        assertThat(e).as("expected ApiException").isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    void decode_path_splits_segments_and_percent_decodes_them() {
        assertThat(Dispatcher.decodePath("/v1/chats/abc/participants/%2B15555550123"))
                .containsExactly("v1", "chats", "abc", "participants", "+15555550123");
    }

    @Test
    void a_raw_plus_in_a_path_segment_stays_a_plus() {
        assertThat(Dispatcher.decodePath("/v1/chats/abc/participants/+15555550123"))
                .containsExactly("v1", "chats", "abc", "participants", "+15555550123");
    }

    @Test
    void decode_path_decodes_spaces_and_utf8_and_encoded_at_signs() {
        assertThat(Dispatcher.decodePath("/v1/a%20b/%C3%A9/bob%40example.com"))
                .containsExactly("v1", "a b", "\u00e9", "bob@example.com");
    }

    @Test
    void an_encoded_slash_stays_inside_its_segment() {
        assertThat(Dispatcher.decodePath("/v1/a%2Fb")).containsExactly("v1", "a/b");
    }

    @Test
    void a_target_in_absolute_form_is_read_as_its_path() {
        // RFC 9112 3.2.2: a server accepts absolute form; the authority names this server and is dropped
        assertThat(Dispatcher.decodePath("http://127.0.0.1:8080/v1/numbers")).containsExactly("v1", "numbers");
        assertThat(Dispatcher.decodePath("HTTPS://api.example.com/healthz")).containsExactly("healthz");
        assertThat(Dispatcher.decodePath("http://api.example.com")).isEmpty();
        // not a URI of ours: a path like any other
        assertThat(Dispatcher.decodePath("/http://x/healthz")).containsExactly("http:", "", "x", "healthz");
        assertThat(Dispatcher.decodePath("ftp://x/healthz")).containsExactly("ftp:", "", "x", "healthz");
    }

    @Test
    void root_path_has_no_segments() {
        assertThat(Dispatcher.decodePath("/")).isEmpty();
        assertThat(Dispatcher.decodePath("")).isEmpty();
    }

    @Test
    void empty_segments_are_kept_so_they_do_not_match_routes() {
        assertThat(Dispatcher.decodePath("/v1/chats/")).containsExactly("v1", "chats", "");
        assertThat(Dispatcher.decodePath("/v1//chats")).containsExactly("v1", "", "chats");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/chats/%zz", "/v1/%", "/v1/abc%2", "/%G0"})
    void malformed_percent_encoding_in_the_path_is_invalid_request(String raw) {
        assertInvalidRequest(() -> Dispatcher.decodePath(raw));
    }

    @Test
    void decode_query_decodes_form_encoding_and_collects_repeated_keys() {
        Map<String, List<String>> query = Dispatcher.decodeQuery("handle=+1555&x=1&x=2&flag");

        assertThat(query).containsOnlyKeys("handle", "x", "flag");
        assertThat(query.get("handle")).as("form encoding: + is a space").containsExactly(" 1555");
        assertThat(query.get("x")).containsExactly("1", "2");
        assertThat(query.get("flag")).containsExactly("");
    }

    @Test
    void decode_query_keeps_key_order_and_decodes_percent_escapes() {
        Map<String, List<String>> query = Dispatcher.decodeQuery("b=%2B15555550123&a=x%3Dy&c=");

        assertThat(query.keySet()).containsExactly("b", "a", "c");
        assertThat(query.get("b")).containsExactly("+15555550123");
        assertThat(query.get("a")).as("only the first = splits").containsExactly("x=y");
        assertThat(query.get("c")).containsExactly("");
    }

    @Test
    void decode_query_keeps_a_raw_equals_sign_in_the_value() {
        assertThat(Dispatcher.decodeQuery("a=b=c").get("a")).containsExactly("b=c");
    }

    @Test
    void decode_query_ignores_empty_pairs_and_absent_query() {
        assertThat(Dispatcher.decodeQuery(null)).isEmpty();
        assertThat(Dispatcher.decodeQuery("")).isEmpty();
        assertThat(Dispatcher.decodeQuery("&&a=1&")).containsOnlyKeys("a");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a=%zz", "%zz=1", "a=%", "a=1&b=%4"})
    void malformed_percent_encoding_in_the_query_is_invalid_request(String raw) {
        assertInvalidRequest(() -> Dispatcher.decodeQuery(raw));
    }
}
