package dev.msgbubbles.common;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An address on a messaging network: an E.164 phone number or an iMessage email address.
 * {@link #parse} accepts only canonical E.164 ({@code +} and 7–15 digits, no spaces or punctuation) whose
 * country calling code exists and whose length is possible for that country (libphonenumber); emails are
 * lower-cased. Numbers in fictional ranges such as {@code +1 555 555 01xx} are accepted on purpose: the
 * public docs use them as examples.
 */
public sealed interface Handle {
    PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");
    Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\\.[A-Za-z0-9-]{1,63})+");

    /** The canonical text form, as stored and returned. */
    String value();

    record Phone(String value) implements Handle {
    }

    record Email(String value) implements Handle {
    }

    static Optional<Handle> parse(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        String text = raw.strip();
        if (E164.matcher(text).matches()) {
            return isPossiblePhone(text) ? Optional.of(new Phone(text)) : Optional.empty();
        }
        if (text.length() <= 254 && EMAIL.matcher(text).matches()) {
            return Optional.of(new Email(text.toLowerCase(Locale.ROOT)));
        }
        return Optional.empty();
    }

    /** Only phone numbers: what a business number must be. */
    static Optional<Phone> parsePhone(String raw) {
        return parse(raw).flatMap(h -> h instanceof Phone p ? Optional.of(p) : Optional.empty());
    }

    /**
     * libphonenumber's verdict on canonical E.164 text. Its parser (a chain of regular expressions) was the costliest
     * step of a send, and the same few numbers and contacts recur, so verdicts are remembered (bounded: past the
     * limit the memory starts over).
     */
    private static boolean isPossiblePhone(String e164) {
        Boolean known = Verdicts.POSSIBLE.get(e164);
        if (known != null) {
            return known;
        }
        boolean possible;
        try {
            var number = PHONES.parse(e164, "ZZ");
            possible = PHONES.getRegionCodeForCountryCode(number.getCountryCode()) != null
                    && !"ZZ".equals(PHONES.getRegionCodeForCountryCode(number.getCountryCode()))
                    && PHONES.isPossibleNumber(number);
        } catch (NumberParseException e) {
            possible = false;
        }
        if (Verdicts.POSSIBLE.size() >= Verdicts.LIMIT) {
            Verdicts.POSSIBLE.clear();
        }
        Verdicts.POSSIBLE.put(e164, possible);
        return possible;
    }

    /** Remembered verdicts of {@link #isPossiblePhone} (a holder: interfaces cannot have private fields). */
    final class Verdicts {
        private static final int LIMIT = 100_000;
        private static final java.util.Map<String, Boolean> POSSIBLE = new java.util.concurrent.ConcurrentHashMap<>();

        private Verdicts() {
        }
    }
}
