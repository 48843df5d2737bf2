package dev.msgbubbles.common;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * The API's one timestamp format: ISO-8601 UTC with exactly three fractional digits and {@code Z}
 * ({@code 2026-06-11T18:21:04.000Z}). Storage keeps epoch milliseconds, so values round-trip exactly.
 */
public final class Timestamps {
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Timestamps() {
    }

    public static String format(Instant instant) {
        long millis;
        try {
            millis = instant.toEpochMilli();
        } catch (ArithmeticException e) {
            return FORMAT.format(instant.truncatedTo(ChronoUnit.MILLIS));
        }
        long days = Math.floorDiv(millis, 86_400_000L);
        LocalDate date = LocalDate.ofEpochDay(days);
        if (date.getYear() < 0 || date.getYear() > 9999) {
            return FORMAT.format(instant.truncatedTo(ChronoUnit.MILLIS));
        }
        // the hot path (every timestamp of every response and event): fixed-width digits, no formatter
        int ofDay = (int) (millis - days * 86_400_000L);
        char[] out = new char[24];
        digits(out, 0, date.getYear(), 4);
        out[4] = '-';
        digits(out, 5, date.getMonthValue(), 2);
        out[7] = '-';
        digits(out, 8, date.getDayOfMonth(), 2);
        out[10] = 'T';
        digits(out, 11, ofDay / 3_600_000, 2);
        out[13] = ':';
        digits(out, 14, ofDay / 60_000 % 60, 2);
        out[16] = ':';
        digits(out, 17, ofDay / 1000 % 60, 2);
        out[19] = '.';
        digits(out, 20, ofDay % 1000, 3);
        out[23] = 'Z';
        return new String(out);
    }

    private static void digits(char[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the instants the API's four-digit years can write. */
    private static final Instant FIRST = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant LAST = Instant.parse("9999-12-31T23:59:59.999Z");

    /**
     * Parses any ISO-8601 instant with an offset ({@code Z} or {@code +02:00}); empty when malformed or outside the
     * years 0000–9999, which the API cannot write back and which, far enough out, do not fit the epoch milliseconds a
     * store keeps (a query by such a time would fail instead of finding nothing).
     */
    public static Optional<Instant> parse(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            Instant instant = DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(text.strip(), Instant::from);
            return instant.isBefore(FIRST) || instant.isAfter(LAST) ? Optional.empty() : Optional.of(instant);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
