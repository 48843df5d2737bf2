package dev.msgbubbles.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class HandleTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "+15555550123",   // fictional US range used in the public docs
            "+18005550100",   // US toll-free
            "+447911123456",  // UK mobile
            "+33612345678",   // FR mobile
            "+4915123456789", // DE mobile
    })
    void accepts_canonical_e164_numbers_unchanged(String number) {
        assertThat(Handle.parse(number)).contains(new Handle.Phone(number));
        assertThat(Handle.parsePhone(number)).contains(new Handle.Phone(number));
    }

    @ParameterizedTest
    @CsvSource({
            "Alice@Example.COM, alice@example.com",
            "bob.smith+tag@mail.example.co.uk, bob.smith+tag@mail.example.co.uk",
            "O'Brien@Example.ie, o'brien@example.ie",
    })
    void accepts_emails_lower_cased(String raw, String canonical) {
        assertThat(Handle.parse(raw)).contains(new Handle.Email(canonical));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
            "   ",
            "15555550123",          // no plus
            "+1 555 555 0123",      // spaces
            "+1-555-555-0123",      // punctuation
            "+1(555)5550123",
            "+0123456789",          // country code cannot start with 0
            "+999123456789",        // 999 is not an assigned country calling code
            "+8061234567",          // 80 is not assigned either
            "+1234567890123456",    // 16 digits: longer than E.164 allows
            "+1555",                // too short
            "+123456",              // 6 digits: below the 7-digit minimum
            "+4479111234567890",    // UK number far too long
            "+44791",               // UK number too short
            "++15555550123",
            "+15555550123x",
            "bob@",
            "@example.com",
            "a@b",                  // no dot in the domain
            "a@b.",                 // empty last label
            "a b@example.com",
            "alice@exa mple.com",
            "alice@@example.com",
            "tel:+15555550123",
    })
    void rejects_malformed_or_impossible_handles(String raw) {
        assertThat(Handle.parse(raw)).isEmpty();
    }

    @Test
    void a_remembered_verdict_is_the_same_on_every_ask() {
        for (int round = 0; round < 3; round++) {
            assertThat(Handle.parse("+14155550123")).isPresent();
            assertThat(Handle.parse("+999123456789")).isEmpty(); // no such calling code
            assertThat(Handle.parse("+1415")).isEmpty();
        }
    }

    @Test
    void rejects_an_email_whose_local_part_exceeds_64_characters() {
        assertThat(Handle.parse("a".repeat(65) + "@example.com")).isEmpty();
        assertThat(Handle.parse("a".repeat(64) + "@example.com")).isPresent();
    }

    @Test
    void rejects_an_email_longer_than_254_characters() {
        String domain = "a".repeat(60) + "." + "b".repeat(60) + "." + "c".repeat(60) + "." + "d".repeat(60) + ".com";
        String email = "x@" + domain; // 2 + 4*60 + 3 + 4 = 249
        assertThat(Handle.parse(email)).isPresent();
        assertThat(Handle.parse("xxxxxx" + email)).as("255 characters").isEmpty();
    }

    @Test
    void parse_phone_rejects_emails() {
        assertThat(Handle.parse("alice@example.com")).isPresent();
        assertThat(Handle.parsePhone("alice@example.com")).isEmpty();
    }

    @Test
    void parse_phone_rejects_what_parse_rejects() {
        assertThat(Handle.parsePhone(null)).isEmpty();
        assertThat(Handle.parsePhone("15555550123")).isEmpty();
    }

    /** Observed: surrounding whitespace (including tabs and newlines) is stripped before validation. */
    @ParameterizedTest
    @ValueSource(strings = {" +15555550123", "+15555550123 ", "\t+15555550123\n", "\u2003+15555550123"})
    void strips_leading_and_trailing_whitespace_from_phones(String raw) {
        assertThat(Handle.parse(raw)).contains(new Handle.Phone("+15555550123"));
    }

    @Test
    void strips_leading_and_trailing_whitespace_from_emails() {
        assertThat(Handle.parse("  Alice@Example.com \n")).contains(new Handle.Email("alice@example.com"));
    }

    @Test
    void value_is_the_canonical_text_form() {
        assertThat(Handle.parse(" +447911123456 ").orElseThrow().value()).isEqualTo("+447911123456");
        assertThat(Handle.parse("BOB@EXAMPLE.ORG").orElseThrow().value()).isEqualTo("bob@example.org");
    }
}
