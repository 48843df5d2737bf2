package dev.msgbubbles.attachment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link Attachments#range}: a download's {@code Range} header read as RFC 9110 (section 14) reads it. */
class RangeTest {
    private static final long SIZE = 1_000;

    @Test
    void one_range_of_each_form_is_served() {
        assertThat(Attachments.range("bytes=0-9", SIZE)).containsExactly(0, 9);
        assertThat(Attachments.range("bytes=990-", SIZE)).containsExactly(990, 999);
        assertThat(Attachments.range("bytes=-10", SIZE)).containsExactly(990, 999);
        assertThat(Attachments.range("bytes=990-5000", SIZE)).containsExactly(990, 999);
        assertThat(Attachments.range("bytes=-5000", SIZE)).containsExactly(0, 999);
    }

    @Test
    void the_range_unit_is_compared_case_insensitively() {
        assertThat(Attachments.range("Bytes=0-9", SIZE)).containsExactly(0, 9);
        assertThat(Attachments.range("BYTES=-10", SIZE)).containsExactly(990, 999);
    }

    @Test
    void positions_too_large_for_a_long_are_still_positions() {
        // a suffix longer than the file is the whole file; a first position past the end is unsatisfiable
        assertThat(Attachments.range("bytes=-99999999999999999999", SIZE)).containsExactly(0, 999);
        assertThat(Attachments.range("bytes=0-99999999999999999999", SIZE)).containsExactly(0, 999);
        assertThatThrownBy(() -> Attachments.range("bytes=99999999999999999999-", SIZE))
                .isInstanceOf(Attachments.RangeNotSatisfiable.class);
    }

    @Test
    void what_no_byte_satisfies_is_unsatisfiable() {
        assertThatThrownBy(() -> Attachments.range("bytes=1000-", SIZE)).isInstanceOf(Attachments.RangeNotSatisfiable.class);
        assertThatThrownBy(() -> Attachments.range("bytes=-0", SIZE)).isInstanceOf(Attachments.RangeNotSatisfiable.class);
    }

    @Test
    void a_header_that_is_not_a_byte_range_is_ignored() {
        // signs are no digits: these are malformed, not ranges (a malformed Range is ignored, never a 416)
        for (String malformed : new String[] {"bytes=--5", "bytes=-+5", "bytes=+1-5", "bytes=1-+5", "bytes=5-2",
                "bytes=abc", "bytes=", "bytes=-", "items=0-9", "bytes 0-9", "bytes=0x1-5", "bytes=0-9,20-29"}) {
            assertThat(Attachments.range(malformed, SIZE)).as(malformed).isNull();
        }
    }
}
