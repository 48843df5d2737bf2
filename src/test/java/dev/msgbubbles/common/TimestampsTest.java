package dev.msgbubbles.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class TimestampsTest {

    @ParameterizedTest
    @CsvSource({
            "2026-06-11T18:21:04Z,            2026-06-11T18:21:04.000Z",
            "2026-06-11T18:21:04.5Z,          2026-06-11T18:21:04.500Z",
            "2026-06-11T18:21:04.123Z,        2026-06-11T18:21:04.123Z",
            "2026-06-11T18:21:04.123999999Z,  2026-06-11T18:21:04.123Z",
            "2026-06-11T18:21:04.000999Z,     2026-06-11T18:21:04.000Z",
            "1970-01-01T00:00:00Z,            1970-01-01T00:00:00.000Z",
            "2026-12-31T23:59:59.999Z,        2026-12-31T23:59:59.999Z",
    })
    void format_gives_exactly_three_fractional_digits_and_z_truncating_sub_millis(String instant, String expected) {
        assertThat(Timestamps.format(Instant.parse(instant))).isEqualTo(expected);
    }

    @Test
    void format_agrees_with_the_iso_formatter_across_eras_including_before_1970_and_after_9999() {
        var iso = java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
                .withZone(java.time.ZoneOffset.UTC);
        var random = new java.util.Random(7);
        for (int i = 0; i < 20_000; i++) {
            long seconds = random.nextLong(-62_000_000_000L, 400_000_000_000L); // years ~0005 to ~14645
            Instant instant = Instant.ofEpochSecond(seconds, random.nextInt(1_000_000_000));

            assertThat(Timestamps.format(instant)).as("%s", instant)
                    .isEqualTo(iso.format(instant.truncatedTo(java.time.temporal.ChronoUnit.MILLIS)));
        }
    }

    @Test
    void format_truncates_rather_than_rounds() {
        Instant almostNextSecond = Instant.parse("2026-06-11T18:21:04.9999999Z");

        assertThat(Timestamps.format(almostNextSecond)).isEqualTo("2026-06-11T18:21:04.999Z");
    }

    @Test
    void formatted_value_parses_back_to_the_same_millisecond() {
        Instant instant = Instant.parse("2026-06-11T18:21:04.123456Z");

        assertThat(Timestamps.parse(Timestamps.format(instant))).contains(Instant.parse("2026-06-11T18:21:04.123Z"));
    }

    @ParameterizedTest
    @CsvSource({
            "2026-06-11T18:21:04Z,             2026-06-11T18:21:04Z",
            "2026-06-11T18:21:04.000Z,         2026-06-11T18:21:04Z",
            "2026-06-11T20:21:04+02:00,        2026-06-11T18:21:04Z",
            "2026-06-11T13:21:04.250-05:00,    2026-06-11T18:21:04.250Z",
            "2026-06-12T00:21:04+06:00,        2026-06-11T18:21:04Z",
            "'  2026-06-11T18:21:04Z  ',       2026-06-11T18:21:04Z",
    })
    void parse_accepts_z_and_offsets_converting_to_utc(String text, String expected) {
        assertThat(Timestamps.parse(text)).contains(Instant.parse(expected));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
            "   ",
            "garbage",
            "2026-06-11",
            "2026-06-11T18:21:04",          // no offset
            "2026-06-11 18:21:04Z",         // space instead of T
            "2026-13-11T18:21:04Z",         // month 13
            "2026-02-30T18:21:04Z",         // no such day
            "2026-06-11T25:21:04Z",
            "1781202064000",                // epoch millis are not accepted
            "2026-06-11T18:21:04ZZ",
            "-999999999-01-01T00:00:00Z",   // beyond epoch milliseconds: would overflow where it is stored
            "+292278995-01-01T00:00:00Z",
            "+10000-01-01T00:00:00Z",       // beyond the four-digit years the API writes
            "-0001-12-31T23:59:59Z",
    })
    void parse_rejects_garbage_and_years_outside_0000_to_9999_with_empty(String text) {
        assertThat(Timestamps.parse(text)).isEmpty();
    }
}
