package dev.msgbubbles;

import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.Authenticator;
import dev.msgbubbles.account.Bootstrap;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.channel.sandbox.SandboxChannel;
import dev.msgbubbles.attachment.Attachments;
import dev.msgbubbles.attachment.LinkSigner;
import dev.msgbubbles.attachment.LocalBlobStore;
import dev.msgbubbles.attachment.MediaConverter;
import dev.msgbubbles.chat.Chats;
import dev.msgbubbles.chat.ThreadIndex;
import dev.msgbubbles.event.Events;
import dev.msgbubbles.idempotency.IdempotencyStore;
import dev.msgbubbles.idempotency.PurgeJob;
import dev.msgbubbles.message.ChannelRouter;
import dev.msgbubbles.message.HeldSends;
import dev.msgbubbles.message.Messaging;
import dev.msgbubbles.queue.BacklogAge;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import dev.msgbubbles.queue.QueueVacuum;
import dev.msgbubbles.queue.Worker;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.event.EventType;
import dev.msgbubbles.event.EventPurge;
import dev.msgbubbles.webhook.DeliveryPipeline;
import dev.msgbubbles.webhook.RetryPolicy;
import dev.msgbubbles.webhook.UrlGuard;
import dev.msgbubbles.webhook.Webhooks;
import dev.msgbubbles.config.Config;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.ServerSecrets;
import dev.msgbubbles.db.GroupCommit;
import dev.msgbubbles.http.ApiServer;
import dev.msgbubbles.http.ApiServices;
import dev.msgbubbles.http.Readiness;
import dev.msgbubbles.ratelimit.RateLimiter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The composition root: the only class that knows every implementation. Starts components in dependency
 * order (metrics, database and migrations, first-start bootstrap, HTTP) and stops them in reverse.
 */
public final class App implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(App.class);

    /**
     * Group-commit writers on PostgreSQL, at most; each holds a pool connection while it commits a batch, so they
     * take at most half the pool and leave the rest to reads and job claims. Transactions that write events take
     * the cursor lock through their commit (see EventLog), so more writers mostly wait for each other: measured on
     * the same day, 4 writers gave 1,175 sends/s and ~650 webhooks/s, 2 gave 1,300 and 810, 1 gave 1,372 and 777.
     */
    static final int POSTGRESQL_WRITERS = 2;
    /** Files per {@code POST /v1/attachments} request (documented). */
    static final int MAX_FILES_PER_UPLOAD = 10;
    /** How often a PostgreSQL store that nothing analyzes is checked for tables grown tenfold (see {@link Database#backgroundAnalyze}). */
    private static final Duration ANALYZE_CHECK = Duration.ofSeconds(5);
    /** Rows a process changes in a job table before it vacuums the table again (see {@link QueueVacuum}). */
    static final int QUEUE_VACUUM_MIN_CHANGES = 1000;
    /**
     * How often SQLite's batched index of messages by thread catches up (see {@link ThreadIndex}): each catch-up puts
     * a second's messages on about as many index pages as there were busy threads (every 100 ms instead kept most of
     * the cost: 25.7 against 27.3 KB written per send), and a read by thread looks through that second's messages.
     */
    static final Duration THREAD_INDEX_INTERVAL = Duration.ofMillis(1000);
    private final Database database;
    private final GroupCommit writes;
    private final ApiServer server;
    private final Worker worker;
    private final Worker deliveryWorker;
    private final QueueVacuum vacuum;
    private final ThreadIndex threadIndex;
    private final DeliveryPipeline pipeline;
    private final Optional<CreatedAccount> bootstrapped;
    private final JvmGcMetrics gcMetrics;
    /**
     * SQLite's background checkpoints and PostgreSQL's analyzing of grown tables (see {@link Database#backgroundCheckpoints}
     * and {@link Database#backgroundAnalyze}); stopped before the store closes.
     */
    private final Database.Background storeHousekeeping;

    private final Events events;
    private final Drain drain;

    /**
     * A stop's drain ({@code MSGBUBBLES_SHUTDOWN_DRAIN_SECONDS}): once {@code begun}, {@code /readyz} answers 503 while
     * requests are still served for {@code period} (each answer closing its connection; event streams end at once,
     * and streams opened meanwhile after the events at hand, telling their clients to reconnect in a second), and only
     * then does the server stop listening.
     */
    private record Drain(Duration period, java.util.concurrent.atomic.AtomicBoolean begun) {
        static final String WHY = "the server is stopping: send requests to another instance";
    }

    private App(Database database, GroupCommit writes, ApiServer server, Worker worker, Worker deliveryWorker,
                QueueVacuum vacuum, ThreadIndex threadIndex, DeliveryPipeline pipeline, Events events,
                Optional<CreatedAccount> bootstrapped, JvmGcMetrics gcMetrics, Database.Background storeHousekeeping,
                Drain drain) {
        this.drain = drain;
        this.storeHousekeeping = storeHousekeeping;
        this.vacuum = vacuum;
        this.threadIndex = threadIndex;
        this.pipeline = pipeline;
        this.deliveryWorker = deliveryWorker;
        this.database = database;
        this.writes = writes;
        this.server = server;
        this.worker = worker;
        this.events = events;
        this.bootstrapped = bootstrapped;
        this.gcMetrics = gcMetrics;
    }

    /** The table of webhook delivery jobs (the messages' jobs are in {@code jobs}). */
    private static final String DELIVERY_QUEUE = "delivery_jobs";

    /**
     * A number's status change appends {@code number.status_changed} (the number object) to {@code log}, and a number
     * back online wakes the sends held for it in {@code sends} ({@link HeldSends}).
     */
    private static AccountNumber.StatusListener numberEvents(EventLog log, JobQueue sends) {
        return (tx, number, at) -> {
            log.append(tx, number.accountId(), number.mode(), EventType.NUMBER_STATUS_CHANGED, null, number.view(), at);
            HeldSends.wake(tx, sends, number, at);
        };
    }

    /**
     * The number directory of a process that serves no API and delivers nothing (the admin CLI): its status changes
     * still append their events and write the webhook deliveries they cause, which the servers' workers then make.
     */
    public static NumberDirectory adminNumbers(Database database, Clock clock) {
        EventLog log = new EventLog(DeliveryPipeline.fanoutAlone(clock, new JobQueue(database, DELIVERY_QUEUE)));
        return new NumberDirectory(database, clock, numberEvents(log, new JobQueue(database)));
    }

    public static App start(Config config, Clock clock) {
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        new UptimeMetrics().bindTo(metrics);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(metrics);
        Database database = Database.open(config.storage(), metrics);
        try {
            boolean unanalyzed = warnOfStatisticsGaps(database);
            AccountAdmin accounts = new AccountAdmin(database, clock);
            JobQueue queue = new JobQueue(database);
            ChannelRouter router = new ChannelRouter(new SandboxChannel(config.sandbox().timeScale()), Map.of());
            // SQLite has one writer. On PostgreSQL several writers keep several transactions (and their commit
            // flushes) in flight; units that could create the same thread go to the same writer, which is what
            // made concurrent writers deadlock before (see GroupCommit).
            GroupCommit writes = new GroupCommit(database,
                    Math.max(1, Math.min(POSTGRESQL_WRITERS, config.storage().poolSize() / 2)), 128, metrics);
            IdempotencyStore idempotency = new IdempotencyStore(clock, config.api().idempotencyRetention());
            PurgeJob purge = new PurgeJob(database, queue, idempotency);
            purge.ensureScheduled(clock.instant());
            // webhook deliveries: their own queue and worker, so slow customer endpoints never hold up sends
            JobQueue deliveryQueue = new JobQueue(database, DELIVERY_QUEUE);
            var deliveryWorkerRef = new java.util.concurrent.atomic.AtomicReference<Worker>();
            Runnable wakeDeliveries = () -> {
                Worker w = deliveryWorkerRef.get();
                if (w != null) {
                    w.wake();
                }
            };
            UrlGuard guard = new UrlGuard(UrlGuard.systemResolver(), config.webhooks().allowPrivate());
            DeliveryPipeline pipeline = new DeliveryPipeline(database, writes, clock, deliveryQueue, guard,
                    new DeliveryPipeline.Settings(new RetryPolicy(config.webhooks().retrySchedule(),
                            config.webhooks().retryJitter()), config.webhooks().timeout(),
                            config.webhooks().concurrency(), config.webhooks().endpointConcurrency(),
                            config.webhooks().accountConcurrency(),
                            config.webhooks().logRetention(), config.delivery().jobLease()),
                    metrics, wakeDeliveries);
            Worker deliveryWorker = new Worker(database, writes, deliveryQueue, pipeline.handlers(), clock,
                    new Worker.Settings(Math.min(64, config.webhooks().concurrency()), config.delivery().jobLease(),
                            Duration.ofMillis(200), config.webhooks().concurrency()));
            deliveryWorkerRef.set(deliveryWorker);
            // both queues' backlog gauges, read together at a scrape (one connection, one patience during an outage)
            BacklogAge.register(metrics, database, clock, List.of(new BacklogAge.Series("msgbubbles.queue.backlog.age",
                            "how long the oldest job of the jobs queue (sends, receipts, actions, housekeeping) that a "
                                    + "worker could take now has waited past its due time (0 when none)",
                            queue::oldestClaimable),
                    DeliveryPipeline.backlogAge(deliveryQueue)));
            pipeline.ensureScheduled(clock.instant());
            // attachments: bytes under the data dir, links signed with a key every process on the database shares;
            // links name the actual port when the configured one is 0 (tests)
            var linkBase = new java.util.concurrent.atomic.AtomicReference<>(config.server().publicUrl());
            LocalBlobStore blobs = blobStore(config.storage().dataDir());
            Attachments attachments = new Attachments(database, clock, blobs,
                    new LinkSigner(ServerSecrets.get(database, "attachment_links", clock.instant()), linkBase::get, clock),
                    new Attachments.Limits(config.attachments().maxFileBytes(), config.attachments().maxRequestBytes(),
                            MAX_FILES_PER_UPLOAD, config.attachments().allowedTypes(), config.attachments().staging(),
                            config.attachments().linkTtl(), config.attachments().messageLinkTtl(),
                            config.attachments().mmsMaxBytes()),
                    new MediaConverter(config.attachments().ffmpeg(), blobs,
                            MediaConverter.budget(config.delivery().jobLease())));
            dev.msgbubbles.attachment.PurgeJob attachmentPurge = new dev.msgbubbles.attachment.PurgeJob(database, queue,
                    attachments);
            attachmentPurge.ensureScheduled(clock.instant());
            EventPurge eventPurge = new EventPurge(database, queue, config.api().eventRetention());
            eventPurge.ensureScheduled(clock.instant());
            EventLog eventLog = new EventLog(pipeline.fanout());
            NumberDirectory numbers = new NumberDirectory(database, clock, numberEvents(eventLog, queue));
            Optional<CreatedAccount> bootstrapped = new Bootstrap(database, accounts, numbers).ensureDefaultAccount();
            Messaging messaging = new Messaging(new Messaging.Dependencies(database, writes, clock, numbers,
                    idempotency, queue, router, eventLog, attachments),
                    new Messaging.Policy(config.delivery().retryWindow(), config.delivery().pacingPerMinute(),
                            config.delivery().sandboxPacingPerMinute()), metrics);
            Map<String, JobHandler> handlers = new java.util.HashMap<>(messaging.jobHandlers());
            handlers.put(PurgeJob.KIND, purge);
            handlers.put(dev.msgbubbles.attachment.PurgeJob.KIND, attachmentPurge);
            handlers.put(EventPurge.KIND, eventPurge);
            Worker worker = new Worker(database, writes, queue, handlers, clock,
                    new Worker.Settings(256, config.delivery().jobLease(), Duration.ofMillis(200)));
            Runnable wake = config.delivery().workerEnabled() ? worker::wake : () -> { };
            Events events = new Events(database, config.api().eventsHeartbeat());
            Drain drain = new Drain(config.server().shutdownDrain(), new java.util.concurrent.atomic.AtomicBoolean());
            ApiServices services = new ApiServices(
                    new Authenticator(database, clock),
                    new RateLimiter(clock, config.api().rateLimitPerMinute()),
                    numbers,
                    Readiness.database(database::ready).unless(drain.begun()::get, Drain.WHY),
                    metrics,
                    new ApiServices.Features(messaging, new Chats(database, clock),
                            new Webhooks(database, clock, idempotency, guard, pipeline.listener(),
                                    config.webhooks().maxEndpoints()), pipeline.deliveries(),
                            events, attachments, wake));
            // only where workers churn the job tables (and only on PostgreSQL: SQLite's queue leaves no dead rows)
            QueueVacuum vacuum = new QueueVacuum(database, List.of(queue, deliveryQueue), QUEUE_VACUUM_MIN_CHANGES, metrics);
            ThreadIndex threadIndex = new ThreadIndex(database, THREAD_INDEX_INTERVAL);
            threadIndex.start();
            Database.Background checkpoints = database.backgroundCheckpoints(config.storage().sqliteCheckpointEvery());
            Database.Background analyze = database.backgroundAnalyze(unanalyzed ? ANALYZE_CHECK : Duration.ZERO);
            Database.Background storeHousekeeping = () -> {
                analyze.close();
                checkpoints.close();
            };
            ApiServer server = null;
            try {
                // listening first: a process that cannot take its address stops before its workers send anything
                server = ApiServer.start(config.server(), services);
                if (config.server().publicUrl().getPort() == 0) {
                    URI configured = config.server().publicUrl();
                    linkBase.set(URI.create(configured.getScheme() + "://" + configured.getHost() + ":" + server.port()));
                }
                if (config.delivery().workerEnabled()) {
                    worker.start();
                    deliveryWorker.start();
                    vacuum.start(config.delivery().queueVacuum());
                }
                return new App(database, writes, server, worker, deliveryWorker, vacuum, threadIndex, pipeline, events,
                        bootstrapped, gc, storeHousekeeping, drain);
            } catch (RuntimeException e) {
                if (server != null) { // it listens already: a worker failed to start after it
                    server.close();
                }
                storeHousekeeping.close();
                vacuum.close();
                threadIndex.close();
                worker.close();
                deliveryWorker.close();
                pipeline.close();
                writes.close();
                throw e instanceof ApiServer.CannotListen cannot ? new NotListening(cannot, bootstrapped) : e;
            }
        } catch (RuntimeException e) {
            database.close();
            gc.close();
            throw e;
        }
    }

    /**
     * The attachments' bytes under {@code DATA_DIR/blobs}, created if need be. A data directory the process cannot
     * use (a file in its way, no permission, as a working directory of root's gives a service user the default
     * {@code ./data}) is the operator's matter, said in a line naming the key; on PostgreSQL nothing else has
     * touched the directory before, so this is where it shows.
     */
    private static LocalBlobStore blobStore(java.nio.file.Path dataDir) {
        java.nio.file.Path root = dataDir.resolve("blobs").toAbsolutePath().normalize();
        try {
            return new LocalBlobStore(root);
        } catch (java.io.UncheckedIOException e) {
            String reason = e.getCause() instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : e.getCause() instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                    : String.valueOf(e.getCause());
            throw new CannotStart("MSGBUBBLES_DATA_DIR: cannot create the attachments' directory " + root + " ("
                    + reason + ")", e);
        }
    }

    /**
     * The server cannot start for a reason the operator must put right (the message says which, naming the key), not
     * a bug: {@code serve} prints the message as one line, without a stack trace, and exits 1.
     */
    public static final class CannotStart extends RuntimeException {
        CannotStart(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A warning, never a reason not to start: the check reads settings and catalogs only. True when something is
     * off, so that the server analyzes tables that grew tenfold itself (see {@link Database#backgroundAnalyze}).
     */
    private static boolean warnOfStatisticsGaps(Database database) {
        try {
            List<String> gaps = database.statisticsGaps();
            if (!gaps.isEmpty()) {
                LOG.warn("PostgreSQL will not keep the planner's statistics current ({}): the server vacuums its job "
                        + "tables and analyzes a table each time it has grown tenfold, which is far less often than "
                        + "autovacuum would; turn autovacuum on or run ANALYZE regularly (README, Running on PostgreSQL)",
                        String.join(", ", gaps));
                return true;
            }
        } catch (RuntimeException e) {
            LOG.warn("could not check whether autovacuum runs on this database", e);
        }
        return false;
    }

    public int port() {
        return server.port();
    }

    public Database database() {
        return database;
    }

    /** The job worker; tests with the background worker disabled run it by hand ({@link Worker#drain}). */
    public Worker worker() {
        return worker;
    }

    /** The webhook delivery worker; tests with the background workers disabled run it by hand. */
    public Worker deliveryWorker() {
        return deliveryWorker;
    }

    /** The default account and its keys when this start created them (first start on an empty database). */
    public Optional<CreatedAccount> bootstrapped() {
        return bootstrapped;
    }

    /**
     * The server could not listen on its address; everything it had started is stopped again. Carries the account a
     * first start created before that, whose keys are shown only once.
     */
    public static final class NotListening extends RuntimeException {
        private final transient Optional<CreatedAccount> bootstrapped;

        NotListening(ApiServer.CannotListen cause, Optional<CreatedAccount> bootstrapped) {
            super(cause.getMessage(), cause);
            this.bootstrapped = bootstrapped;
        }

        public Optional<CreatedAccount> bootstrapped() {
            return bootstrapped;
        }
    }

    /**
     * The next {@link #close} stops at once, without the drain: for a process that must not serve another request,
     * such as one whose database a newer version has migrated under it (the old code may misread the new schema).
     */
    public void forgoDrain() {
        drain.begun().set(true);
    }

    /**
     * Stops everything: first, with a drain period configured (and not {@link #forgoDrain forgone}), {@code /readyz}
     * answers 503 for that long while every request is still served (a load balancer takes the process out of
     * rotation) and event streams end at their next event boundary, so that their clients resume elsewhere; then
     * event streams end (without a drain, here), the server stops listening and gives requests under way their
     * grace, the workers finish what they hold, and the store closes.
     */
    @Override
    public void close() {
        boolean interrupted = false;
        if (drain.begun().compareAndSet(false, true) && drain.period().isPositive()) {
            LOG.info("stopping: /readyz answers 503 while requests are still served for {} s "
                    + "(MSGBUBBLES_SHUTDOWN_DRAIN_SECONDS), then the server stops listening", drain.period().toSeconds());
            server.beginDrain();
            // after beginDrain, so that each stream's connection closes as it ends: its client reconnects elsewhere
            events.endFollowers();
            try {
                Thread.sleep(drain.period());
            } catch (InterruptedException e) {
                interrupted = true; // stop now; the flag is set again once everything is closed
            }
        }
        events.close(); // event streams end first (at once: they wait on it): the server waits for open requests
        server.close();
        vacuum.close();
        threadIndex.close();
        worker.close();
        deliveryWorker.close();
        pipeline.close();
        writes.close();
        storeHousekeeping.close();
        database.close();
        gcMetrics.close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
