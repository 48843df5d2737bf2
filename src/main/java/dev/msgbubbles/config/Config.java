package dev.msgbubbles.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/** The whole validated configuration. Build it with {@link ConfigLoader}; it never changes afterwards. */
public record Config(Server server, Storage storage, Api api, Webhooks webhooks, Sandbox sandbox, Logging logging,
                     Delivery delivery, Attachments attachments) {

    /**
     * Where the HTTP API listens; {@code publicUrl} is the base of links we hand out. {@code shutdownDrain}: how long a
     * stopping server keeps serving requests with {@code /readyz} answering 503, so that a load balancer takes it out
     * of rotation before its port closes (zero: it stops listening at once).
     */
    public record Server(String host, int port, URI publicUrl, long maxBodyBytes, Duration shutdownDrain) {
    }

    /**
     * {@code poolSize} applies to PostgreSQL; SQLite always has one writer connection. {@code connectionWait}: how long
     * work waits for a connection before it gives up with the store unavailable (a request then gets {@code 503}).
     */
    public record Storage(Path dataDir, DatabaseTarget database, int poolSize, String sqliteSynchronous,
                          Duration sqliteCheckpointEvery, Duration connectionWait) {
    }

    /**
     * Per-key request budget, how long idempotency keys are remembered, how often an idle event stream sends a
     * heartbeat comment, and how long events are kept (zero: for ever).
     */
    public record Api(int rateLimitPerMinute, Duration idempotencyRetention, Duration eventsHeartbeat,
                      Duration eventRetention) {
    }

    /**
     * {@code allowPrivate}: let webhook URLs reach loopback/private hosts (local development and tests only);
     * {@code retrySchedule}: the delays before each retry, varied by ±{@code retryJitter} (a fraction);
     * {@code timeout}: how long an attempt may take to connect and to answer; {@code concurrency}: attempts in flight
     * in this process, {@code endpointConcurrency}: of those, to one endpoint, {@code accountConcurrency}: to the
     * endpoints of one account in one mode (at most {@code concurrency}); {@code logRetention}: how long settled
     * deliveries stay in the delivery log; {@code maxEndpoints}: how many endpoints one account may have in one mode.
     */
    public record Webhooks(boolean allowPrivate, java.util.List<Duration> retrySchedule, double retryJitter,
                           Duration timeout, int concurrency, int endpointConcurrency, int accountConcurrency,
                           Duration logRetention,
                           int maxEndpoints) {
    }

    /** {@code timeScale}: 1.0 is the documented sandbox timing, 0 makes every transition immediate. */
    public record Sandbox(double timeScale) {
    }

    public record Logging(String format, String level) {
    }

    /**
     * {@code retryWindow}: how long a send may wait for an offline number or a failing backend before it fails;
     * {@code workerEnabled}: whether this process runs the background job worker (false: an API-only node);
     * {@code pacingPerMinute}: sends per minute per number on real backends, {@code sandboxPacingPerMinute} on the
     * sandbox network (0 = unpaced), for all processes on the database together; {@code jobLease}: how long a claimed job is reserved for its worker, so how
     * long jobs of a crashed process wait before another worker takes them over; {@code queueVacuum}: how often a
     * worker process vacuums PostgreSQL's busy job tables (zero: never, leave it to autovacuum).
     */
    public record Delivery(Duration retryWindow, boolean workerEnabled, int pacingPerMinute, int sandboxPacingPerMinute,
                           Duration jobLease, Duration queueVacuum) {
    }

    /**
     * Upload limits (per file, per multipart request), the accepted content types ({@code type/subtype} or
     * {@code type/*}, as sniffed from the bytes), how long an unclaimed upload is kept, how long a signed link from
     * {@code GET /v1/attachments/:id} or a presign works, how long the links inside message objects work, the
     * largest image sent over MMS as it is (larger ones are scaled down), and the ffmpeg that converts media.
     */
    public record Attachments(long maxFileBytes, long maxRequestBytes, java.util.List<String> allowedTypes,
                              Duration staging, Duration linkTtl, Duration messageLinkTtl, long mmsMaxBytes,
                              String ffmpeg) {
    }
}
