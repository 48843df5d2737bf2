package dev.msgbubbles.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which database to use. Accepted spellings of {@code MSGBUBBLES_DATABASE_URL}: empty (SQLite file
 * {@code msgbubbles.db} in the data directory), {@code sqlite:PATH} or {@code jdbc:sqlite:PATH},
 * {@code postgresql://user[:password]@host[:port]/db[?params]} (also {@code postgres://}), and
 * {@code jdbc:postgresql://…}. {@link #display()} never contains the password.
 */
public record DatabaseTarget(Kind kind, String jdbcUrl, String user, String password, String display) {

    public enum Kind { SQLITE, POSTGRESQL }

    public static DatabaseTarget sqliteFile(Path file) {
        String url = "jdbc:sqlite:" + file.toAbsolutePath().normalize();
        return new DatabaseTarget(Kind.SQLITE, url, null, null, url);
    }

    /** Parses a non-empty URL; empty when the form is not one of the accepted spellings. */
    static Optional<DatabaseTarget> parse(String url) {
        if (inMemorySqlite(url)) {
            return Optional.empty(); // the server's connections would each see a database of their own
        }
        if (url.startsWith("jdbc:sqlite:") && url.length() > "jdbc:sqlite:".length()) {
            return Optional.of(new DatabaseTarget(Kind.SQLITE, url, null, null, url));
        }
        if (url.startsWith("sqlite:") && url.length() > "sqlite:".length()) {
            return Optional.of(sqliteFile(Path.of(url.substring("sqlite:".length()))));
        }
        if (url.startsWith("jdbc:postgresql://")) {
            if (!portInRange(url.substring("jdbc:".length()))) {
                return Optional.empty();
            }
            return Optional.of(new DatabaseTarget(Kind.POSTGRESQL, url, null, null, url.replaceAll("(?i)(password=)[^&]*", "$1***")));
        }
        if (url.startsWith("postgresql://") || url.startsWith("postgres://")) {
            return parsePostgresUri(url);
        }
        return Optional.empty();
    }

    /**
     * {@code url}, any URL at all, fit to print: everything between the first {@code ://} and the last {@code @}
     * after its first {@code :} (the password, which in a malformed URL may hold any character) and every
     * {@code password=} parameter's value are {@code ***}. It may hide more than the password, never less.
     */
    static String redacted(String url) {
        String shown = url;
        int authority = shown.indexOf("://");
        int at = shown.lastIndexOf('@');
        if (authority >= 0 && at > authority) {
            int colon = shown.indexOf(':', authority + 3);
            if (colon >= 0 && colon < at) {
                shown = shown.substring(0, colon + 1) + "***" + shown.substring(at);
            }
        }
        return shown.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    /**
     * Whether {@code url} ({@code jdbc:sqlite:…} or {@code sqlite:…}) names a SQLite store in memory ({@code :memory:}
     * or {@code mode=memory}): never a store the server can use.
     */
    public static boolean inMemorySqlite(String url) {
        String path = url.startsWith("jdbc:sqlite:") ? url.substring("jdbc:sqlite:".length())
                : url.startsWith("sqlite:") ? url.substring("sqlite:".length()) : null;
        return path != null && (path.startsWith(":memory:") || path.contains("mode=memory"));
    }

    private static Optional<DatabaseTarget> parsePostgresUri(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
        String host = uri.getHost();
        String path = uri.getRawPath();
        if (host == null || path == null || path.length() < 2 || path.indexOf('/', 1) >= 0) {
            return Optional.empty();
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = decode(parts[0]);
            password = parts.length == 2 ? decode(parts[1]) : null;
        }
        if (!portInRange(url)) {
            return Optional.empty();
        }
        int port = uri.getPort() == -1 ? 5432 : uri.getPort();
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        String jdbc = "jdbc:postgresql://" + host + ":" + port + path + query;
        String display = "postgresql://" + (user == null ? "" : user + (password == null ? "" : ":***") + "@")
                + host + ":" + port + path;
        return Optional.of(new DatabaseTarget(Kind.POSTGRESQL, jdbc, user, password, display));
    }

    /**
     * Whether the port of {@code url} ({@code postgresql://…}), if it names one, is a TCP port (1–65535). Out of range,
     * the driver refuses the URL only when the pool starts, with a stack trace, instead of the configuration check
     * naming the key. A URL this cannot read as one (the driver's list of hosts, {@code h1:5432,h2:5432}) is left to
     * the driver.
     */
    private static boolean portInRange(String url) {
        try {
            int port = new URI(url).getPort();
            return port == -1 || (port >= 1 && port <= 65_535);
        } catch (URISyntaxException e) {
            return true;
        }
    }

    private static String decode(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return display;
    }
}
