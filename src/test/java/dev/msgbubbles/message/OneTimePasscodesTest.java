package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OneTimePasscodesTest {

    @ParameterizedTest
    @ValueSource(strings = {"Your verification code is 123456", "Your Apple ID Code is: 482913. Don't share it with anyone.",
            "G-582931 is your Google verification code", "Your WhatsApp code: 123-456", "OTP 4821 for your login",
            "Use 1234 5678 as your one-time passcode", "Your bank security code is 991122. Do not share.", "PIN: 8841"})
    void recognises_passcodes(String text) {
        assertThat(OneTimePasscodes.isPasscode(text)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"see you at 2026 Main St", "I am 34", "what's the code for the door?", "call 555-0100",
            "order 12 shipped", "", "   ", "pin the tweet", "1234567890123 verification"})
    void leaves_ordinary_messages_alone(String text) {
        assertThat(OneTimePasscodes.isPasscode(text)).isFalse();
    }

    /**
     * A run of digits joined by dashes, dots or spaces is one number (a phone number, a date, an order number), as the
     * same digits unbroken are: no part of it is a code, whatever words stand beside it. A contact's message is dropped
     * without a trace when it is taken for a passcode.
     */
    @ParameterizedTest
    @ValueSource(strings = {"what's the door code? call me at 415-555-0123", "the code freeze starts 2026-12-07",
            "call 415 555 0123 to verify your booking", "PIN pad broken, ring 020 7946 0958",
            "the code of conduct changed on 12.07.2026", "verify the order 1234-5678-9012"})
    void leaves_digits_that_are_part_of_a_longer_number_alone(String text) {
        assertThat(OneTimePasscodes.isPasscode(text)).isFalse();
    }

    /** "one time" is an everyday phrase: only "one-time", or "one time" naming a password or code, marks a passcode. */
    @ParameterizedTest
    @ValueSource(strings = {"I only went there one time, back in 2019", "one time 5 of us paid 1200 for dinner"})
    void leaves_one_time_as_an_everyday_phrase_alone(String text) {
        assertThat(OneTimePasscodes.isPasscode(text)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Your one time password is 559213", "482913 is your one time passcode",
            "One Time PIN: 7731"})
    void recognises_one_time_passwords_written_without_a_hyphen(String text) {
        assertThat(OneTimePasscodes.isPasscode(text)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Your code is 123 456.", "Code: 4821-9937", "482913 is your verification code.",
            "Your login code: 123-456 (valid 10 min)", "code 5521, expires 2026-12-07"})
    void still_recognises_codes_beside_punctuation_and_other_numbers(String text) {
        assertThat(OneTimePasscodes.isPasscode(text)).isTrue();
    }
}
