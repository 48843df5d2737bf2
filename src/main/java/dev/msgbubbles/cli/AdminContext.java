package dev.msgbubbles.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.msgbubbles.account.AccountAdmin;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.config.Config;
import dev.msgbubbles.config.ConfigException;
import dev.msgbubbles.config.ConfigLoader;
import dev.msgbubbles.db.Database;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine;

/**
 * Runs one admin operation against the configured database: opens it (applying migrations, so admin works on
 * an empty database and beside a running server), prints the result as one JSON object, maps refusals to
 * stderr and exit code 1 (2 for configuration errors).
 */
final class AdminContext {
    static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    /** The services one admin command may use. */
    record Services(Database database, AccountAdmin accounts, NumberDirectory numbers) {
    }

    private AdminContext() {
    }

    static int run(CommandLine.Model.CommandSpec spec, Function<Services, Object> operation) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Config config;
        try {
            config = ConfigLoader.fromEnvironment();
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return 2;
        }
        Logging.forAdmin();
        Clock clock = Clock.systemUTC();
        try (Database db = Database.open(config.storage(), null)) {
            Object result = operation.apply(new Services(db, new AccountAdmin(db, clock), dev.msgbubbles.App.adminNumbers(db, clock)));
            out.println(JSON.writeValueAsString(result));
            out.flush();
            return 0;
        } catch (ApiException e) {
            err.println("error: " + e.getMessage() + " (" + e.code().code() + ")");
            err.flush();
            return 1;
        } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    static Map<String, Object> ordered(Object... keyValues) {
        var map = new java.util.LinkedHashMap<String, Object>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }
}
