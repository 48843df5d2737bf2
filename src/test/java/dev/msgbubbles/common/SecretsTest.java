package dev.msgbubbles.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SecretsTest {

    @ParameterizedTest
    @CsvSource({
            "abc, ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "'', e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    })
    void sha256_hex_matches_known_vectors(String input, String expected) {
        assertThat(Secrets.sha256Hex(input)).isEqualTo(expected);
    }

    @Test
    void sha256_hex_hashes_utf8_bytes() {
        // SHA-256 of the two UTF-8 bytes C3 A9 ("é")
        assertThat(Secrets.sha256Hex("\u00e9"))
                .isEqualTo(java.util.HexFormat.of().formatHex(Secrets.sha256(new byte[] {(byte) 0xC3, (byte) 0xA9})));
        assertThat(Secrets.sha256Hex("\u00e9")).hasSize(64).matches("[0-9a-f]{64}");
    }

    @Test
    void sha256_returns_32_bytes() {
        assertThat(Secrets.sha256(new byte[0])).hasSize(32);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 20, 43, 256})
    void random_base62_has_the_requested_length_and_only_base62_characters(int length) {
        String value = Secrets.randomBase62(length);

        assertThat(value).hasSize(length);
        assertThat(value).matches("[0-9A-Za-z]*");
    }

    @Test
    void random_base62_values_differ() {
        Set<String> values = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            values.add(Secrets.randomBase62(32));
        }
        assertThat(values).hasSize(200);
    }

    @Test
    void constant_time_equals_compares_content() {
        assertThat(Secrets.constantTimeEquals("mb_live_abc", "mb_live_abc")).isTrue();
        assertThat(Secrets.constantTimeEquals("", "")).isTrue();
        assertThat(Secrets.constantTimeEquals("mb_live_abc", "mb_live_abd")).isFalse();
        assertThat(Secrets.constantTimeEquals("mb_live_abc", "mb_live_ab")).isFalse();
        assertThat(Secrets.constantTimeEquals("abc", "")).isFalse();
        assertThat(Secrets.constantTimeEquals("abc", "ABC")).isFalse();
        assertThat(Secrets.constantTimeEquals("\u00e9", "e\u0301")).as("no Unicode normalisation").isFalse();
    }
}
