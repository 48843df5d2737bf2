package dev.msgbubbles;

import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.account.Authenticator;
import dev.msgbubbles.account.Bootstrap;
import dev.msgbubbles.account.CreatedAccount;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.config.Config;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.http.ApiServer;
import dev.msgbubbles.http.ApiServices;
import dev.msgbubbles.ratelimit.RateLimiter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.Optional;

/**
 * The composition root: the only class that knows every implementation. Starts components in dependency
 * order (metrics, database and migrations, first-start bootstrap, HTTP) and stops them in reverse.
 */
public final class App implements AutoCloseable {
    private final Database database;
    private final ApiServer server;
    private final Optional<CreatedAccount> bootstrapped;
    private final JvmGcMetrics gcMetrics;

    private App(Database database, ApiServer server, Optional<CreatedAccount> bootstrapped, JvmGcMetrics gcMetrics) {
        this.database = database;
        this.server = server;
        this.bootstrapped = bootstrapped;
        this.gcMetrics = gcMetrics;
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
            AccountAdmin accounts = new AccountAdmin(database, clock);
            NumberDirectory numbers = new NumberDirectory(database, clock);
            Optional<CreatedAccount> bootstrapped = new Bootstrap(database, accounts, numbers).ensureDefaultAccount();
            ApiServices services = new ApiServices(
                    new Authenticator(database, clock),
                    new RateLimiter(clock, config.api().rateLimitPerMinute()),
                    numbers,
                    database::ready,
                    metrics);
            ApiServer server = ApiServer.start(config.server(), services);
            return new App(database, server, bootstrapped, gc);
        } catch (RuntimeException e) {
            database.close();
            gc.close();
            throw e;
        }
    }

    public int port() {
        return server.port();
    }

    public Database database() {
        return database;
    }

    /** The default account and its keys when this start created them (first start on an empty database). */
    public Optional<CreatedAccount> bootstrapped() {
        return bootstrapped;
    }

    @Override
    public void close() {
        server.close();
        database.close();
        gcMetrics.close();
    }
}
