package dev.msgbubbles.message;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Recognises inbound one-time passcodes (verification, 2FA, password-reset codes), which are never surfaced:
 * a 4–8 digit code (flat, {@code 123-456} or {@code 123 456}) together with a word that marks it as a code.
 * Bare numbers ("call me at 2026") and keywords without a code are not passcodes, and neither is a part of a longer
 * number: digits joined to more digits by a dash, dot or space (a phone number such as {@code 415-555-0123}, a date
 * such as {@code 2026-12-07}) are one number, as the same digits unbroken are, so such a message is delivered.
 * "one time" unhyphenated is an everyday phrase ("I went there one time, in 2019"): it marks a code only when it names
 * one ("one time password").
 */
final class OneTimePasscodes {
    private static final Pattern CODE = Pattern.compile("(?<![0-9])(?<![0-9][-. ])"
            + "(?:[0-9]{4,8}|[0-9]{3}[- ][0-9]{3}|[0-9]{4}[- ][0-9]{4})(?![0-9])(?![-. ][0-9])");
    private static final Pattern KEYWORD = Pattern.compile(
            "\\b(code|codes|verification|verify|otp|one-time|one time (?:password|passcode|code|pin)|security code|passcode"
                    + "|pin|do not share|don't share)\\b");

    private OneTimePasscodes() {
    }

    static boolean isPasscode(String text) {
        if (text == null || text.isBlank()) {
            return false;
        }
        String lower = text.toLowerCase(Locale.ROOT);
        return CODE.matcher(lower).find() && KEYWORD.matcher(lower).find();
    }
}
