package dev.msgbubbles.webhook;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * What an attempt's answer means and when to try again (DECISIONS §8). A 2xx is success. A timeout, a connection
 * error, 408, 429 and 5xx are retried after {@code schedule[step]}, varied by ±{@code jitter} (a fraction) so that
 * an endpoint's backlog does not come back all at once; a {@code Retry-After} longer than that is honoured, up to
 * the longest step of the schedule. Anything else (other 4xx, a redirect, which is never followed) is final, and so
 * is a retryable answer once the schedule is used up: that delivery is exhausted.
 */
public record RetryPolicy(List<Duration> schedule, double jitter) {

    /** The documented schedule: 5 s, 1 m, 5 m, 30 m, 2 h, 6 h, 12 h, 24 h, 24 h, 24 h (about 3.5 days). */
    public static final List<Duration> DEFAULT_SCHEDULE = List.of(Duration.ofSeconds(5), Duration.ofMinutes(1),
            Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(6), Duration.ofHours(12),
            Duration.ofHours(24), Duration.ofHours(24), Duration.ofHours(24));

    public RetryPolicy {
        schedule = List.copyOf(schedule);
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter is a fraction from 0 up to (not including) 1");
        }
    }

    /** How an attempt went, as far as the network tells. */
    public sealed interface Answer {
        /** An HTTP answer; {@code retryAfter} is the header's raw value, if any. */
        record Response(int status, Optional<String> retryAfter, String excerpt) implements Answer {
        }

        /** No HTTP answer: timeout, refused or reset connection, TLS failure. */
        record NoResponse(String error) implements Answer {
        }
    }

    /** What follows from an answer. */
    public sealed interface Verdict {
        record Succeeded() implements Verdict {
        }

        /** Try again after {@code delay}; the delivery moves to the next step of the schedule. */
        record Retry(Duration delay, String error) implements Verdict {
        }

        /** No more attempts; {@code exhausted} when it was retryable but the schedule is used up. */
        record Failed(String error, boolean exhausted) implements Verdict {
        }
    }

    /**
     * The verdict on an answer to the attempt made at schedule position {@code step}. {@code retries} false (a test
     * ping) makes every failure final. {@code random} gives numbers in [0, 1) for the jitter.
     */
    public Verdict judge(Answer answer, int step, boolean retries, Instant now, DoubleSupplier random) {
        String error;
        Optional<Duration> asked = Optional.empty();
        switch (answer) {
            case Answer.Response r when r.status() >= 200 && r.status() < 300 -> {
                return new Verdict.Succeeded();
            }
            case Answer.Response r when r.status() == 408 || r.status() == 429 || r.status() >= 500 -> {
                error = "HTTP " + r.status();
                asked = r.retryAfter().flatMap(value -> retryAfter(value, now));
            }
            case Answer.Response r when r.status() >= 300 && r.status() < 400 ->  {
                return new Verdict.Failed("HTTP " + r.status() + ": redirects are not followed", false);
            }
            case Answer.Response r -> {
                return new Verdict.Failed("HTTP " + r.status() + ": not retried (only 408, 429 and 5xx are)", false);
            }
            case Answer.NoResponse n -> error = n.error();
        }
        if (!retries) {
            return new Verdict.Failed(error, false);
        }
        if (step >= schedule.size()) {
            return new Verdict.Failed(error + "; no retries left", true);
        }
        Duration planned = schedule.get(step);
        long millis = Math.round(planned.toMillis() * (1 + jitter * (2 * random.getAsDouble() - 1)));
        Duration delay = Duration.ofMillis(Math.max(millis, 0));
        if (asked.isPresent() && asked.get().compareTo(delay) > 0) {
            Duration longest = schedule.stream().max(Duration::compareTo).orElse(planned);
            delay = asked.get().compareTo(longest) > 0 ? longest : asked.get();
        }
        return new Verdict.Retry(delay, error);
    }

    /**
     * A {@code Retry-After} value as a delay from {@code now}; empty if unreadable. Delay-seconds may have any number of
     * digits (RFC 9110 bounds them by nothing): more than a {@code long} holds is read as the longest delay there is,
     * which {@link #judge} caps at the longest step. An HTTP date may take any of its three forms (RFC 9110 5.6.7:
     * recipients must accept them all); one already past is no delay.
     */
    static Optional<Duration> retryAfter(String value, Instant now) {
        String text = value.strip();
        if (text.matches("\\d+")) {
            String digits = text.replaceFirst("^0+(?=\\d)", "");
            return Optional.of(digits.length() > 18 ? Duration.ofSeconds(Long.MAX_VALUE)
                    : Duration.ofSeconds(Long.parseLong(digits)));
        }
        for (DateTimeFormatter format : httpDates(now)) {
            try {
                Instant at = ZonedDateTime.parse(text, format).toInstant();
                return Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
            } catch (DateTimeParseException e) {
                // not this form: try the next
            }
        }
        return Optional.empty();
    }

    /**
     * IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}), RFC 850's ({@code Sunday, 06-Nov-94 08:49:37 GMT}, its
     * two-digit year read as at most 50 years ahead of {@code now}, as RFC 9110 asks) and asctime's
     * ({@code Sun Nov  6 08:49:37 1994}).
     */
    private static List<DateTimeFormatter> httpDates(Instant now) {
        int year = now.atZone(ZoneOffset.UTC).getYear();
        DateTimeFormatter rfc850 = new DateTimeFormatterBuilder().appendPattern("EEEE, dd-MMM-")
                .appendValueReduced(ChronoField.YEAR, 2, 2, year - 49).appendPattern(" HH:mm:ss 'GMT'")
                .toFormatter(Locale.ENGLISH).withZone(ZoneOffset.UTC);
        DateTimeFormatter asctime = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ENGLISH)
                .withZone(ZoneOffset.UTC);
        return List.of(DateTimeFormatter.RFC_1123_DATE_TIME, rfc850, asctime);
    }
}
