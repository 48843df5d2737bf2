package dev.msgbubbles.account;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.Secrets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shape of API keys: {@code sk_test_} or {@code sk_live_} followed by 40 random base62 characters
 * (≈238 bits). The first 16 characters are the key's public prefix: stored in clear to find the key's row
 * and to name a key in {@code admin key revoke}. Only the SHA-256 of the whole key is stored.
 */
final class ApiKeyFormat {
    static final int RANDOM_LENGTH = 40;
    static final int PREFIX_LENGTH = 16;
    private static final Pattern KEY = Pattern.compile("sk_(test|live)_[0-9A-Za-z]{32,128}");
    private static final Pattern PREFIX = Pattern.compile("sk_(test|live)_[0-9A-Za-z]{8}");

    private ApiKeyFormat() {
    }

    static String generate(Mode mode) {
        return "sk_" + mode.wire() + "_" + Secrets.randomBase62(RANDOM_LENGTH);
    }

    /** The mode of a well-formed key; empty for anything else. */
    static Optional<Mode> modeOf(String key) {
        Matcher m = KEY.matcher(key);
        return m.matches() ? Mode.fromWire(m.group(1)) : Optional.empty();
    }

    static boolean isKey(String text) {
        return KEY.matcher(text).matches();
    }

    static boolean isPrefix(String text) {
        return PREFIX.matcher(text).matches();
    }

    static String prefix(String key) {
        return key.substring(0, PREFIX_LENGTH);
    }
}
