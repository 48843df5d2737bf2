package dev.msgbubbles.common;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A newest-first page request: {@code limit} 1–100 and an optional exclusive {@code before} cursor, which is
 * either a timestamp or the id of an item (exact keyset: items sharing a millisecond are neither skipped nor
 * repeated when walking with ids).
 */
public record PageQuery(int limit, Optional<Before> before) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 100;

    /** Where a page ends (exclusive). */
    public sealed interface Before {
    }

    public record BeforeTime(Instant time) implements Before {
    }

    public record BeforeItem(UUID id) implements Before {
    }

    /** A page of items, with the id cursor of the next page when there is one. */
    public record Page<T>(List<T> items, boolean hasMore, String nextBefore) {
    }

    /**
     * The keyset condition of this page for a table ordered by {@code (created_at, id)} newest first, with its
     * values appended to {@code values}; empty without {@code before}. {@code createdAtOf} finds the creation time
     * of an id-cursor's item among the caller's own; an unknown id is 400 naming {@code what}.
     */
    public String beforeCondition(List<Object> values, java.util.function.Function<UUID, Optional<Instant>> createdAtOf,
                                  String what) {
        return beforeCondition(values, createdAtOf, what, "");
    }

    /** {@link #beforeCondition(List, java.util.function.Function, String)} on the columns of table alias {@code alias}. */
    public String beforeCondition(List<Object> values, java.util.function.Function<UUID, Optional<Instant>> createdAtOf,
                                  String what, String alias) {
        if (before.isEmpty()) {
            return "";
        }
        String createdAt = alias.isEmpty() ? "created_at" : alias + ".created_at";
        String id = alias.isEmpty() ? "id" : alias + ".id";
        return switch (before.get()) {
            case BeforeTime t -> {
                values.add(t.time());
                yield " AND " + createdAt + " < ?";
            }
            case BeforeItem item -> {
                Instant anchor = createdAtOf.apply(item.id())
                        .orElseThrow(() -> ApiException.invalid("before", "before names no " + what + " of yours"));
                values.add(anchor);
                values.add(anchor);
                values.add(item.id());
                yield " AND (" + createdAt + " < ? OR (" + createdAt + " = ? AND " + id + " < ?))";
            }
        };
    }

    /** Parses the query parameters, throwing 400 {@code invalid_request} naming the bad one. */
    public static PageQuery parse(Optional<String> limit, Optional<String> before) {
        int size = limit.map(PageQuery::parseLimit).orElse(DEFAULT_LIMIT);
        return new PageQuery(size, before.map(PageQuery::parseBefore));
    }

    private static int parseLimit(String text) {
        try {
            // ASCII digits only: parseInt also takes a sign and any script's digits (limit=%D9%A3 read as 3)
            String digits = text.strip();
            if (!digits.matches("[0-9]+")) {
                throw new NumberFormatException(digits);
            }
            int value = Integer.parseInt(digits);
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.invalid("limit", "limit must be a whole number from 1 to " + MAX_LIMIT);
    }

    /** A time whose offset's {@code +} arrived as a space: {@code 2026-06-11T20:21:04.000 02:00}. */
    private static final java.util.regex.Pattern RAW_PLUS_OFFSET =
            java.util.regex.Pattern.compile("(\\S+T\\S+) (\\d{2}:\\d{2}(?::\\d{2})?)");

    private static Before parseBefore(String text) {
        String value = text.strip();
        // A raw '+' in a query string decodes to a space (form encoding), so an offset such as +02:00 sent unencoded,
        // as the docs allow a time to carry, arrives as " 02:00"; no timestamp has a space there (as with handles).
        java.util.regex.Matcher rawPlus = RAW_PLUS_OFFSET.matcher(value);
        if (rawPlus.matches()) {
            value = rawPlus.group(1) + "+" + rawPlus.group(2);
        }
        Optional<Instant> time = Timestamps.parse(value);
        if (time.isPresent()) {
            return new BeforeTime(ceilToMillis(time.get()));
        }
        return Ids.parse(value).<Before>map(BeforeItem::new).orElseThrow(() ->
                ApiException.invalid("before", "before must be an ISO-8601 timestamp or an item id"));
    }

    /**
     * Items are stored in whole milliseconds, and a time is bound as its epoch milliseconds rounded down, so a
     * {@code before} with a finer fraction ({@code 18:01.3781Z}) would leave out the items of its own millisecond
     * ({@code 18:01.378Z}), which are older than it. Rounded up, {@code created_at < before} keeps exactly them.
     */
    static Instant ceilToMillis(Instant time) {
        Instant millis = time.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        return millis.equals(time) ? time : millis.plusMillis(1);
    }

    /** Trims a result fetched with {@code limit + 1} rows into a page; {@code id} gives each item's cursor. */
    public <T> Page<T> page(List<T> fetched, java.util.function.Function<T, UUID> id) {
        boolean more = fetched.size() > limit;
        List<T> items = more ? List.copyOf(fetched.subList(0, limit)) : List.copyOf(fetched);
        return new Page<>(items, more, more ? id.apply(items.getLast()).toString() : null);
    }
}
