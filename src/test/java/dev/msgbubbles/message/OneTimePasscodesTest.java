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
}
