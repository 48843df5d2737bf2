package dev.msgbubbles.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Builds {@link Config} from three layers: the defaults in {@code msgbubbles-defaults.properties} (which
 * also define the set of known keys), an optional properties file named by {@code MSGBUBBLES_CONFIG_FILE},
 * and {@code MSGBUBBLES_*} environment variables. All problems are collected and reported together.
 */
public final class ConfigLoader {
    public static final String PREFIX = "MSGBUBBLES_";
    public static final String FILE_KEY = "MSGBUBBLES_CONFIG_FILE";
    /** Read by the launcher script, not by the server; allowed so they are not reported as unknown. */
    private static final Set<String> LAUNCHER_KEYS = Set.of(FILE_KEY, "MSGBUBBLES_JAVA_OPTS");

    private final Map<String, String> values;
    private final List<String> problems = new ArrayList<>();

    private ConfigLoader(Map<String, String> values) {
        this.values = values;
    }

    /** Loads from the process environment. */
    public static Config fromEnvironment() {
        return load(System.getenv());
    }

    /** Loads from the given environment-like map (tests pass their own). */
    public static Config load(Map<String, String> environment) {
        Map<String, String> defaults = defaults();
        Map<String, String> merged = new TreeMap<>(defaults);
        List<String> early = new ArrayList<>();
        String file = environment.get(FILE_KEY);
        if (file != null && !file.isBlank()) {
            readFile(file, defaults, merged, early);
        }
        environment.forEach((key, value) -> {
            if (!key.startsWith(PREFIX) || LAUNCHER_KEYS.contains(key)) {
                return;
            }
            if (defaults.containsKey(key)) {
                merged.put(key, value);
            } else {
                early.add(key + ": unknown configuration key (environment)");
            }
        });
        ConfigLoader loader = new ConfigLoader(merged);
        loader.problems.addAll(early);
        return loader.build();
    }

    /** The defaults shipped in the jar, in file order. */
    public static Map<String, String> defaults() {
        Properties properties = new Properties();
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/msgbubbles-defaults.properties")) {
            if (in == null) {
                throw new IllegalStateException("msgbubbles-defaults.properties missing from the jar");
            }
            properties.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read built-in defaults", e);
        }
        Map<String, String> result = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted().forEach(k -> result.put(k, properties.getProperty(k)));
        return result;
    }

    private static void readFile(String file, Map<String, String> defaults, Map<String, String> merged, List<String> problems) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            problems.add(FILE_KEY + ": cannot read '" + file + "' (" + e.getMessage() + ")");
            return;
        }
        for (String key : properties.stringPropertyNames()) {
            if (defaults.containsKey(key)) {
                merged.put(key, properties.getProperty(key).strip());
            } else {
                problems.add(key + ": unknown configuration key (in " + file + ")");
            }
        }
    }

    private Config build() {
        String host = host("MSGBUBBLES_HOST");
        int port = integer("MSGBUBBLES_PORT", 0, 65_535);
        long maxBody = integer("MSGBUBBLES_MAX_BODY_BYTES", 1024, Integer.MAX_VALUE);
        int drain = integer("MSGBUBBLES_SHUTDOWN_DRAIN_SECONDS", 0, 300);
        Path dataDir = path("MSGBUBBLES_DATA_DIR");
        URI publicUrl = publicUrl(host, port);
        DatabaseTarget database = database(dataDir);
        int poolSize = integer("MSGBUBBLES_DATABASE_POOL_SIZE", 1, 200);
        int connectionWait = integer("MSGBUBBLES_DATABASE_WAIT_MS", 250, 60_000); // HikariCP's least is 250 ms
        String synchronous = oneOf("MSGBUBBLES_SQLITE_SYNCHRONOUS", Set.of("NORMAL", "FULL"), s -> s.toUpperCase(Locale.ROOT));
        int checkpointMillis = integer("MSGBUBBLES_SQLITE_CHECKPOINT_MILLIS", 0, 60_000);
        int rate = integer("MSGBUBBLES_RATE_LIMIT_PER_MINUTE", 1, 10_000_000);
        int retentionHours = integer("MSGBUBBLES_IDEMPOTENCY_RETENTION_HOURS", 24, 24 * 365);
        int heartbeat = integer("MSGBUBBLES_EVENTS_HEARTBEAT_SECONDS", 1, 300);
        boolean allowPrivate = bool("MSGBUBBLES_WEBHOOK_ALLOW_PRIVATE");
        List<Duration> retrySchedule = durations("MSGBUBBLES_WEBHOOK_RETRY_SCHEDULE");
        double retryJitter = decimal("MSGBUBBLES_WEBHOOK_RETRY_JITTER", 0, 0.9);
        int webhookTimeout = integer("MSGBUBBLES_WEBHOOK_TIMEOUT_MS", 100, 60_000);
        int webhookConcurrency = integer("MSGBUBBLES_WEBHOOK_CONCURRENCY", 1, 4096);
        int endpointConcurrency = integer("MSGBUBBLES_WEBHOOK_ENDPOINT_CONCURRENCY", 1, 4096);
        int accountConcurrency = accountConcurrency(webhookConcurrency);
        int logRetention = integer("MSGBUBBLES_WEBHOOK_LOG_RETENTION_DAYS", 1, 3650);
        int maxEndpoints = integer("MSGBUBBLES_WEBHOOK_MAX_ENDPOINTS", 1, 10_000);
        int eventRetention = eventRetentionDays(retrySchedule, retryJitter);
        double timeScale = decimal("MSGBUBBLES_SANDBOX_TIME_SCALE", 0, 1000);
        String logFormat = oneOf("MSGBUBBLES_LOG_FORMAT", Set.of("text", "json"), s -> s.toLowerCase(Locale.ROOT));
        int retryWindow = integer("MSGBUBBLES_SEND_RETRY_WINDOW_SECONDS", 1, 7 * 24 * 3600);
        boolean workerEnabled = bool("MSGBUBBLES_WORKER_ENABLED");
        int pacing = integer("MSGBUBBLES_PACING_PER_MINUTE", 0, 60_000);
        int sandboxPacing = integer("MSGBUBBLES_SANDBOX_PACING_PER_MINUTE", 0, 60_000);
        int lease = integer("MSGBUBBLES_JOB_LEASE_SECONDS", 1, 3600);
        int vacuumMillis = integer("MSGBUBBLES_QUEUE_VACUUM_MILLIS", 0, 3_600_000);
        leaseOutlastsAnAttempt(lease, webhookTimeout);
        long maxFile = longInteger("MSGBUBBLES_ATTACHMENT_MAX_FILE_BYTES", 1, 1L << 40);
        long maxRequest = longInteger("MSGBUBBLES_ATTACHMENT_MAX_REQUEST_BYTES", 1, 1L << 40);
        List<String> types = mediaTypes("MSGBUBBLES_ATTACHMENT_TYPES");
        int staging = integer("MSGBUBBLES_ATTACHMENT_STAGING_HOURS", 1, 24 * 365);
        int linkSeconds = integer("MSGBUBBLES_ATTACHMENT_LINK_SECONDS", 10, 7 * 24 * 3600);
        int messageLinkDays = integer("MSGBUBBLES_ATTACHMENT_MESSAGE_LINK_DAYS", 1, 365);
        long mmsMax = longInteger("MSGBUBBLES_ATTACHMENT_MMS_MAX_BYTES", 10_000, 1L << 30);
        String ffmpeg = text("MSGBUBBLES_FFMPEG");
        String logLevel = oneOf("MSGBUBBLES_LOG_LEVEL", Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR"), s -> s.toUpperCase(Locale.ROOT));
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Config(
                new Config.Server(host, port, publicUrl, maxBody, Duration.ofSeconds(drain)),
                new Config.Storage(dataDir, database, poolSize, synchronous, Duration.ofMillis(checkpointMillis),
                        Duration.ofMillis(connectionWait)),
                new Config.Api(rate, Duration.ofHours(retentionHours), Duration.ofSeconds(heartbeat),
                        Duration.ofDays(eventRetention)),
                new Config.Webhooks(allowPrivate, retrySchedule, retryJitter, Duration.ofMillis(webhookTimeout),
                        webhookConcurrency, endpointConcurrency, accountConcurrency, Duration.ofDays(logRetention), maxEndpoints),
                new Config.Sandbox(timeScale),
                new Config.Logging(logFormat, logLevel),
                new Config.Delivery(Duration.ofSeconds(retryWindow), workerEnabled, pacing, sandboxPacing,
                        Duration.ofSeconds(lease), Duration.ofMillis(vacuumMillis)),
                new Config.Attachments(maxFile, maxRequest, types, Duration.ofHours(staging), Duration.ofSeconds(linkSeconds),
                        Duration.ofDays(messageLinkDays), mmsMax, ffmpeg));
    }

    private String raw(String key) {
        return values.getOrDefault(key, "").strip();
    }

    private String text(String key) {
        String value = raw(key);
        if (value.isEmpty()) {
            problems.add(key + ": must not be empty");
        }
        return value;
    }

    private int integer(String key, int min, int max) {
        String value = raw(key);
        try {
            long parsed = Long.parseLong(value);
            if (parsed >= min && parsed <= max) {
                return (int) parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(key + ": must be a whole number from " + min + " to " + max + ", got '" + value + "'");
        return min;
    }

    private double decimal(String key, double min, double max) {
        String value = raw(key);
        try {
            double parsed = Double.parseDouble(value);
            if (parsed >= min && parsed <= max && !Double.isNaN(parsed)) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(key + ": must be a number from " + min + " to " + max + ", got '" + value + "'");
        return min;
    }

    /** A comma-separated list of 1 to 20 durations, each a whole number with a unit: ms, s, m, h or d. */
    private long longInteger(String key, long min, long max) {
        String value = raw(key);
        try {
            long parsed = Long.parseLong(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(key + ": must be a whole number from " + min + " to " + max + ", got '" + value + "'");
        return min;
    }

    /** A comma-separated list of media types or {@code type/*} patterns. */
    private List<String> mediaTypes(String key) {
        List<String> types = new java.util.ArrayList<>();
        for (String item : raw(key).split(",")) {
            String type = item.strip().toLowerCase(Locale.ROOT);
            if (type.matches("(\\*/\\*|[a-z0-9][a-z0-9.+-]*/(\\*|[a-z0-9][a-z0-9.+-]*))")) {
                types.add(type);
            } else {
                problems.add(key + ": '" + item.strip() + "' is not a media type such as image/png or image/*");
            }
        }
        return List.copyOf(types);
    }

    /**
     * Delivery attempts in flight to the endpoints of one account in one mode: empty (the default) for half of
     * {@code MSGBUBBLES_WEBHOOK_CONCURRENCY}, so that one account's hung endpoints leave the other half to everyone
     * else; otherwise from 1 to that concurrency (more could never be in flight).
     */
    private int accountConcurrency(int concurrency) {
        String key = "MSGBUBBLES_WEBHOOK_ACCOUNT_CONCURRENCY";
        if (raw(key).isEmpty()) {
            return Math.max(1, concurrency / 2);
        }
        if (problems.stream().anyMatch(p -> p.startsWith("MSGBUBBLES_WEBHOOK_CONCURRENCY:"))) {
            return integer(key, 1, 4096);
        }
        return integer(key, 1, concurrency);
    }

    /**
     * A job is claimed again once its lease ends, so a webhook attempt still under way then would be made a second time
     * beside it (the endpoint gets the event twice, and the two attempts' records collide). An attempt takes at most
     * the webhook timeout once its request starts, plus resolving the endpoint's name before it: the lease must be at
     * least twice the timeout. Checked only when both values are valid on their own.
     */
    private void leaseOutlastsAnAttempt(int leaseSeconds, int webhookTimeoutMillis) {
        String lease = "MSGBUBBLES_JOB_LEASE_SECONDS", timeout = "MSGBUBBLES_WEBHOOK_TIMEOUT_MS";
        if (problems.stream().anyMatch(p -> p.startsWith(lease + ":") || p.startsWith(timeout + ":"))) {
            return;
        }
        if (leaseSeconds * 1000L < 2L * webhookTimeoutMillis) {
            problems.add(lease + ": must be at least twice " + timeout + " (" + webhookTimeoutMillis + " ms), so that a "
                    + "webhook attempt still under way is never made again beside itself; got '" + raw(lease) + "'");
        }
    }

    /**
     * Days events are kept, 0 for ever. Longer than a delivery can stay pending, so that an event is never removed
     * while a delivery of it still has retries ahead (the courier would drop it). That is not the schedule's sum: each
     * delay may be drawn up to {@code 1 + jitter} times its step, and an endpoint's {@code Retry-After} may stretch
     * any retry to the longest step (see RetryPolicy.judge), so a retry takes at most the larger of the two.
     */
    private int eventRetentionDays(List<Duration> retrySchedule, double jitter) {
        String key = "MSGBUBBLES_EVENT_RETENTION_DAYS";
        int days = integer(key, 0, 3650);
        Duration longest = retrySchedule.stream().max(Duration::compareTo).orElse(Duration.ZERO);
        Duration pending = Duration.ZERO;
        for (Duration step : retrySchedule) {
            Duration jittered = Duration.ofMillis(Math.round(step.toMillis() * (1 + jitter)));
            pending = pending.plus(jittered.compareTo(longest) > 0 ? jittered : longest);
        }
        if (days > 0 && Duration.ofDays(days).compareTo(pending) <= 0) {
            problems.add(key + ": must be 0 (keep every event) or longer than a webhook delivery can stay pending: up to "
                    + pending.toHours() + " hours with MSGBUBBLES_WEBHOOK_RETRY_SCHEDULE and MSGBUBBLES_WEBHOOK_RETRY_JITTER "
                    + "(each retry may wait the longest step when the endpoint asks with Retry-After, or its step "
                    + "lengthened by the jitter), got '" + raw(key) + "'");
        }
        return days;
    }

    private List<Duration> durations(String key) {
        String value = raw(key);
        List<Duration> result = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,6})(ms|s|m|h|d)").matcher(part.strip());
            long amount = m.matches() ? Long.parseLong(m.group(1)) : 0;
            if (amount <= 0) {
                result.clear();
                break;
            }
            result.add(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            });
        }
        if (result.isEmpty() || result.size() > 20) {
            problems.add(key + ": must be 1 to 20 comma-separated durations above zero such as 5s,1m,2h,1d (units ms, s, "
                    + "m, h, d), got '" + value + "'");
            return List.of(Duration.ofSeconds(5));
        }
        return List.copyOf(result);
    }

    private boolean bool(String key) {
        String value = raw(key).toLowerCase(Locale.ROOT);
        if (value.equals("true") || value.equals("false")) {
            return Boolean.parseBoolean(value);
        }
        problems.add(key + ": must be true or false, got '" + raw(key) + "'");
        return false;
    }

    private String oneOf(String key, Set<String> allowed, Function<String, String> normalise) {
        String value = normalise.apply(raw(key));
        if (!allowed.contains(value)) {
            problems.add(key + ": must be one of " + String.join(", ", new java.util.TreeSet<>(allowed))
                    + ", got '" + raw(key) + "'");
        }
        return value;
    }

    private Path path(String key) {
        String value = text(key);
        try {
            return Path.of(value.isEmpty() ? "." : value);
        } catch (InvalidPathException e) {
            problems.add(key + ": not a valid path: " + e.getMessage());
            return Path.of(".");
        }
    }

    /**
     * A host name or an IP address (IPv6 without brackets): what the listener binds to and what the derived public URL
     * is built from, so it must make a URL's host. Anything else used to get past here and end the start in a stack
     * trace from building that URL.
     */
    private String host(String key) {
        String value = text(key);
        if (value.isEmpty()) {
            return value; // reported by text()
        }
        try {
            String shown = value.contains(":") ? "[" + value + "]" : value;
            if (new URI("http://" + shown + ":1").getHost() != null) {
                return value;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        problems.add(key + ": must be a host name or an IP address such as 127.0.0.1, 0.0.0.0 or ::1 (IPv6 without "
                + "brackets), got '" + value + "'");
        return "";
    }

    private URI publicUrl(String host, int port) {
        String value = raw("MSGBUBBLES_PUBLIC_URL");
        if (value.isEmpty()) {
            String shown = host.contains(":") ? "[" + host + "]" : host;
            return URI.create("http://" + (shown.isEmpty() ? "127.0.0.1" : shown) + ":" + port);
        }
        try {
            URI uri = new URI(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
            // java.net.URI takes any digits for a port: 99999 would be handed out in every signed link
            boolean portInRange = uri.getPort() == -1 || (uri.getPort() >= 1 && uri.getPort() <= 65_535);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
                    && portInRange && uri.getRawQuery() == null && uri.getRawFragment() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        problems.add("MSGBUBBLES_PUBLIC_URL: must be an absolute http(s) URL without query, got '" + value + "'");
        return URI.create("http://127.0.0.1");
    }

    private DatabaseTarget database(Path dataDir) {
        String value = raw("MSGBUBBLES_DATABASE_URL");
        if (value.isEmpty()) {
            return DatabaseTarget.sqliteFile(dataDir.resolve("msgbubbles.db"));
        }
        return DatabaseTarget.parse(value).orElseGet(() -> {
            problems.add("MSGBUBBLES_DATABASE_URL: expected postgresql://user@host:port/db, jdbc:postgresql://…, "
                    + "sqlite:PATH (a file, not memory) or empty for SQLite in the data directory, got '" + DatabaseTarget.redacted(value) + "'");
            return DatabaseTarget.sqliteFile(dataDir.resolve("msgbubbles.db"));
        });
    }
}
