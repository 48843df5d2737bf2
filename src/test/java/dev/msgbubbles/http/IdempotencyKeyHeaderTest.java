package dev.msgbubbles.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdempotencyKeyHeaderTest {

    @Test
    void absent_header_means_no_key() {
        assertThat(IdempotencyKeyHeader.parse(Optional.empty())).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"order-1042-confirmation", "a", " ", "~!@#$%^&*()_+{}|:<>? key", "550e8400-e29b-41d4-a716-446655440000"})
    void printable_ascii_keys_are_accepted_unchanged(String key) {
        assertThat(IdempotencyKeyHeader.parse(Optional.of(key))).contains(key);
    }

    @Test
    void a_key_of_exactly_255_characters_is_accepted() {
        String key = "k".repeat(255);

        assertThat(IdempotencyKeyHeader.parse(Optional.of(key))).contains(key);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\t", "key\twith-tab", "caf\u00e9", "line\nbreak", "cr\r", "nul\u0000", "del\u007f", "\uD83D\uDE00"})
    void empty_or_non_printable_ascii_keys_are_invalid_request_naming_the_header(String key) {
        assertRejected(key);
    }

    @Test
    void a_key_of_256_characters_is_invalid_request_naming_the_header() {
        assertRejected("k".repeat(256));
    }

    private static void assertRejected(String key) {
        ApiException e = catchThrowableOfType(ApiException.class, () -> IdempotencyKeyHeader.parse(Optional.of(key)));
        assertThat(e).as("key %s should be rejected", key).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(e.param()).contains("Idempotency-Key");
        assertThat(e.getMessage()).contains("255");
    }
}
