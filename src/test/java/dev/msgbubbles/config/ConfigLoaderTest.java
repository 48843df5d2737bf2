package dev.msgbubbles.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

    private static ConfigException rejected(Map<String, String> env) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(env));
        assertThat(e).as("ConfigLoader.load(%s) should have been rejected", env).isNotNull();
        return e;
    }

    @Test
    void defaults_produce_the_documented_values() {
        Config config = ConfigLoader.load(Map.of());

        assertThat(config.server().host()).isEqualTo("127.0.0.1");
        assertThat(config.server().port()).isEqualTo(8080);
        assertThat(config.server().publicUrl()).isEqualTo(URI.create("http://127.0.0.1:8080"));
        assertThat(config.server().maxBodyBytes()).isEqualTo(1_048_576L);
        assertThat(config.api().rateLimitPerMinute()).isEqualTo(120);
        assertThat(config.api().idempotencyRetention()).isEqualTo(Duration.ofHours(72));
        assertThat(config.sandbox().timeScale()).isEqualTo(1.0);
        assertThat(config.webhooks().allowPrivate()).isFalse();
        assertThat(config.storage().dataDir()).isEqualTo(Path.of("./data"));
        assertThat(config.storage().poolSize()).isEqualTo(10);
        assertThat(config.storage().connectionWait()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.storage().sqliteSynchronous()).isEqualTo("NORMAL");
        assertThat(config.storage().sqliteCheckpointEvery()).isEqualTo(Duration.ofMillis(5));
        assertThat(config.logging().format()).isEqualTo("text");
        assertThat(config.logging().level()).isEqualTo("INFO");
    }

    @Test
    void default_database_is_the_sqlite_file_msgbubbles_db_in_the_data_directory() {
        DatabaseTarget db = ConfigLoader.load(Map.of()).storage().database();

        Path expected = Path.of("./data/msgbubbles.db").toAbsolutePath().normalize();
        assertThat(db.kind()).isEqualTo(DatabaseTarget.Kind.SQLITE);
        assertThat(db.jdbcUrl()).isEqualTo("jdbc:sqlite:" + expected);
        assertThat(db.user()).isNull();
        assertThat(db.password()).isNull();
    }

    @Test
    void sqlite_file_follows_an_overridden_data_directory(@TempDir Path dir) {
        DatabaseTarget db = ConfigLoader.load(Map.of("MSGBUBBLES_DATA_DIR", dir.toString())).storage().database();

        assertThat(db.jdbcUrl()).isEqualTo("jdbc:sqlite:" + dir.resolve("msgbubbles.db").toAbsolutePath().normalize());
    }

    @Test
    void environment_overrides_every_default() {
        Map<String, String> env = new HashMap<>();
        env.put("MSGBUBBLES_HOST", "0.0.0.0");
        env.put("MSGBUBBLES_PORT", "9090");
        env.put("MSGBUBBLES_PUBLIC_URL", "https://api.example.com/");
        env.put("MSGBUBBLES_MAX_BODY_BYTES", "2048");
        env.put("MSGBUBBLES_DATABASE_POOL_SIZE", "3");
        env.put("MSGBUBBLES_DATABASE_WAIT_MS", "750");
        env.put("MSGBUBBLES_SQLITE_SYNCHRONOUS", "full");
        env.put("MSGBUBBLES_SQLITE_CHECKPOINT_MILLIS", "0");
        env.put("MSGBUBBLES_RATE_LIMIT_PER_MINUTE", "600");
        env.put("MSGBUBBLES_IDEMPOTENCY_RETENTION_HOURS", "24");
        env.put("MSGBUBBLES_WEBHOOK_ALLOW_PRIVATE", "TRUE");
        env.put("MSGBUBBLES_SANDBOX_TIME_SCALE", "0");
        env.put("MSGBUBBLES_LOG_FORMAT", "JSON");
        env.put("MSGBUBBLES_LOG_LEVEL", "debug");

        Config config = ConfigLoader.load(env);

        assertThat(config.server().host()).isEqualTo("0.0.0.0");
        assertThat(config.server().port()).isEqualTo(9090);
        assertThat(config.server().publicUrl()).as("trailing slash removed").isEqualTo(URI.create("https://api.example.com"));
        assertThat(config.server().maxBodyBytes()).isEqualTo(2048L);
        assertThat(config.storage().poolSize()).isEqualTo(3);
        assertThat(config.storage().connectionWait()).isEqualTo(Duration.ofMillis(750));
        assertThat(config.storage().sqliteSynchronous()).isEqualTo("FULL");
        assertThat(config.storage().sqliteCheckpointEvery()).isZero();
        assertThat(config.api().rateLimitPerMinute()).isEqualTo(600);
        assertThat(config.api().idempotencyRetention()).isEqualTo(Duration.ofHours(24));
        assertThat(config.webhooks().allowPrivate()).isTrue();
        assertThat(config.sandbox().timeScale()).isEqualTo(0.0);
        assertThat(config.logging().format()).isEqualTo("json");
        assertThat(config.logging().level()).isEqualTo("DEBUG");
    }

    @Test
    void surrounding_whitespace_in_environment_values_is_ignored() {
        Config config = ConfigLoader.load(Map.of("MSGBUBBLES_PORT", " 9091 "));

        assertThat(config.server().port()).isEqualTo(9091);
    }

    @Test
    void derived_public_url_follows_host_and_port() {
        Config config = ConfigLoader.load(Map.of("MSGBUBBLES_HOST", "10.0.0.5", "MSGBUBBLES_PORT", "9000"));

        assertThat(config.server().publicUrl()).isEqualTo(URI.create("http://10.0.0.5:9000"));
    }

    @Test
    void derived_public_url_brackets_an_ipv6_host() {
        Config config = ConfigLoader.load(Map.of("MSGBUBBLES_HOST", "::1"));

        assertThat(config.server().publicUrl()).isEqualTo(URI.create("http://[::1]:8080"));
    }

    @ParameterizedTest(name = "{0}={1} is rejected")
    @CsvSource(delimiter = '|', value = {
            "MSGBUBBLES_PORT|abc",
            "MSGBUBBLES_PORT|70000",
            "MSGBUBBLES_PORT|-1",
            "MSGBUBBLES_PORT|8080.5",
            "MSGBUBBLES_RATE_LIMIT_PER_MINUTE|0",
            "MSGBUBBLES_WEBHOOK_ALLOW_PRIVATE|yes",
            "MSGBUBBLES_SANDBOX_TIME_SCALE|-1",
            "MSGBUBBLES_SANDBOX_TIME_SCALE|NaN",
            "MSGBUBBLES_SANDBOX_TIME_SCALE|1001",
            "MSGBUBBLES_LOG_FORMAT|xml",
            "MSGBUBBLES_LOG_LEVEL|verbose",
            "MSGBUBBLES_SQLITE_SYNCHRONOUS|OFF",
            "MSGBUBBLES_SQLITE_CHECKPOINT_MILLIS|-1",
            "MSGBUBBLES_SQLITE_CHECKPOINT_MILLIS|60001",
            "MSGBUBBLES_SQLITE_CHECKPOINT_MILLIS|soon",
            "MSGBUBBLES_IDEMPOTENCY_RETENTION_HOURS|23",
            "MSGBUBBLES_DATABASE_POOL_SIZE|0",
            "MSGBUBBLES_DATABASE_WAIT_MS|249",
            "MSGBUBBLES_DATABASE_WAIT_MS|60001",
            "MSGBUBBLES_DATABASE_WAIT_MS|5s",
            "MSGBUBBLES_MAX_BODY_BYTES|1023",
            "MSGBUBBLES_PUBLIC_URL|ftp://x",
            "MSGBUBBLES_PUBLIC_URL|not a url",
            "MSGBUBBLES_PUBLIC_URL|/relative/path",
            "MSGBUBBLES_PUBLIC_URL|https://example.com/?a=1",
            "MSGBUBBLES_PUBLIC_URL|https://example.com:99999",
            "MSGBUBBLES_DATABASE_URL|postgresql://postgres@127.0.0.1:99999/db",
            "MSGBUBBLES_DATABASE_URL|mysql://x",
            "MSGBUBBLES_DATABASE_URL|postgresql://postgres@127.0.0.1:5432",
            "MSGBUBBLES_DATABASE_URL|postgresql://postgres@127.0.0.1:5432/",
            "MSGBUBBLES_DATABASE_URL|sqlite:",
            "MSGBUBBLES_HOST|' '",
            "MSGBUBBLES_HOST|not a host!",
            "MSGBUBBLES_HOST|http://example.com",
            "MSGBUBBLES_HOST|[::1]",
            "MSGBUBBLES_HOST|under_score",
    })
    void an_invalid_value_is_rejected_with_a_problem_naming_its_key(String key, String value) {
        ConfigException e = rejected(Map.of(key, value));

        assertThat(e.problems()).hasSize(1);
        assertThat(e.problems().getFirst()).startsWith(key + ":");
        assertThat(e.getMessage()).contains(key);
    }

    @Test
    void several_bad_values_are_all_reported_together() {
        Map<String, String> env = Map.of(
                "MSGBUBBLES_PORT", "abc",
                "MSGBUBBLES_RATE_LIMIT_PER_MINUTE", "0",
                "MSGBUBBLES_WEBHOOK_ALLOW_PRIVATE", "yes",
                "MSGBUBBLES_LOG_FORMAT", "xml",
                "MSGBUBBLES_NOPE", "1");

        ConfigException e = rejected(env);

        assertThat(e.problems()).hasSize(5);
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("MSGBUBBLES_PORT:"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("MSGBUBBLES_RATE_LIMIT_PER_MINUTE:"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("MSGBUBBLES_WEBHOOK_ALLOW_PRIVATE:"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("MSGBUBBLES_LOG_FORMAT:"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("MSGBUBBLES_NOPE:"));
    }

    @Test
    void problem_lines_quote_the_offending_value() {
        ConfigException e = rejected(Map.of("MSGBUBBLES_PORT", "70000"));

        assertThat(e.problems().getFirst()).contains("'70000'");
    }

    @Test
    void an_unknown_msgbubbles_key_in_the_environment_is_rejected_naming_it() {
        ConfigException e = rejected(Map.of("MSGBUBBLES_PROT", "9090"));

        assertThat(e.problems()).singleElement().asString()
                .startsWith("MSGBUBBLES_PROT:")
                .contains("unknown");
    }

    @Test
    void non_msgbubbles_environment_variables_are_ignored() {
        Config config = ConfigLoader.load(Map.of("PATH", "/usr/bin", "PORT", "abc", "msgbubbles_port", "1", "HOME", "/root"));

        assertThat(config.server().port()).isEqualTo(8080);
    }

    @Test
    void launcher_keys_are_not_reported_as_unknown() {
        Config config = ConfigLoader.load(Map.of("MSGBUBBLES_JAVA_OPTS", "-Xmx1g", "MSGBUBBLES_CONFIG_FILE", ""));

        assertThat(config.server().port()).isEqualTo(8080);
    }

    @Test
    void config_file_values_apply(@TempDir Path dir) throws IOException {
        Path file = write(dir, "MSGBUBBLES_PORT = 7070\nMSGBUBBLES_LOG_LEVEL=WARN\n# a comment\n");

        Config config = ConfigLoader.load(Map.of("MSGBUBBLES_CONFIG_FILE", file.toString()));

        assertThat(config.server().port()).isEqualTo(7070);
        assertThat(config.logging().level()).isEqualTo("WARN");
        assertThat(config.api().rateLimitPerMinute()).as("untouched default").isEqualTo(120);
    }

    @Test
    void environment_beats_the_config_file(@TempDir Path dir) throws IOException {
        Path file = write(dir, "MSGBUBBLES_PORT=7070\nMSGBUBBLES_RATE_LIMIT_PER_MINUTE=30\n");

        Config config = ConfigLoader.load(Map.of("MSGBUBBLES_CONFIG_FILE", file.toString(), "MSGBUBBLES_PORT", "6060"));

        assertThat(config.server().port()).isEqualTo(6060);
        assertThat(config.api().rateLimitPerMinute()).isEqualTo(30);
    }

    @Test
    void an_invalid_value_in_the_config_file_is_reported_by_key(@TempDir Path dir) throws IOException {
        Path file = write(dir, "MSGBUBBLES_PORT=abc\n");

        ConfigException e = rejected(Map.of("MSGBUBBLES_CONFIG_FILE", file.toString()));

        assertThat(e.problems()).singleElement().asString().startsWith("MSGBUBBLES_PORT:");
    }

    @Test
    void an_unknown_key_in_the_config_file_is_rejected_naming_it(@TempDir Path dir) throws IOException {
        Path file = write(dir, "MSGBUBBLES_PORT=7070\nMSGBUBBLES_TYPO=1\n");

        ConfigException e = rejected(Map.of("MSGBUBBLES_CONFIG_FILE", file.toString()));

        assertThat(e.problems()).singleElement().asString()
                .startsWith("MSGBUBBLES_TYPO:")
                .contains("unknown");
    }

    @Test
    void a_missing_config_file_is_rejected_naming_msgbubbles_config_file(@TempDir Path dir) {
        Path missing = dir.resolve("does-not-exist.properties");

        ConfigException e = rejected(Map.of("MSGBUBBLES_CONFIG_FILE", missing.toString()));

        assertThat(e.problems()).singleElement().asString()
                .startsWith("MSGBUBBLES_CONFIG_FILE:")
                .contains(missing.toString());
    }

    @Test
    void an_unreadable_config_file_is_rejected_naming_msgbubbles_config_file(@TempDir Path dir) {
        // A directory cannot be read as a properties file (chmod 000 would not stop root).
        ConfigException e = rejected(Map.of("MSGBUBBLES_CONFIG_FILE", dir.toString()));

        assertThat(e.problems()).singleElement().asString().startsWith("MSGBUBBLES_CONFIG_FILE:");
    }

    @Test
    void a_config_file_with_a_malformed_escape_is_rejected_naming_msgbubbles_config_file(@TempDir Path dir) throws IOException {
        Path file = write(dir, "MSGBUBBLES_HOST=\\uZZZZ\n");

        ConfigException e = rejected(Map.of("MSGBUBBLES_CONFIG_FILE", file.toString()));

        assertThat(e.problems()).singleElement().asString().startsWith("MSGBUBBLES_CONFIG_FILE:");
    }

    @Test
    void config_file_problems_and_value_problems_are_reported_together(@TempDir Path dir) throws IOException {
        Path file = write(dir, "MSGBUBBLES_TYPO=1\n");

        ConfigException e = rejected(Map.of("MSGBUBBLES_CONFIG_FILE", file.toString(), "MSGBUBBLES_PORT", "abc"));

        assertThat(e.problems()).hasSize(2);
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("MSGBUBBLES_TYPO:"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("MSGBUBBLES_PORT:"));
    }

    @Test
    void postgres_url_is_turned_into_a_jdbc_url_with_the_user() {
        DatabaseTarget db = ConfigLoader.load(Map.of("MSGBUBBLES_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/db"))
                .storage().database();

        assertThat(db.kind()).isEqualTo(DatabaseTarget.Kind.POSTGRESQL);
        assertThat(db.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/db");
        assertThat(db.user()).isEqualTo("postgres");
        assertThat(db.password()).isNull();
    }

    @Test
    void a_rejected_database_url_does_not_echo_its_password() {
        ConfigException e = rejected(Map.of("MSGBUBBLES_DATABASE_URL", "postgresql://app:hunter2@db.internal:5432"));

        assertThat(e.problems()).singleElement().asString()
                .startsWith("MSGBUBBLES_DATABASE_URL:")
                .doesNotContain("hunter2");
        assertThat(e.getMessage()).doesNotContain("hunter2");
    }

    @Test
    void a_rejected_database_url_does_not_echo_any_part_of_its_password() {
        for (String url : List.of("postgresql://app:pa/ss-hunter2@db.internal:5432/db",
                "postgresql://app:hunt:er2-hunter2@db.internal:99999/db",
                "postgres://app:hunter2?x@db.internal/db/extra",
                "jdbc:postgresql://db.internal:99999/db?user=app&password=hunter2",
                "jdbc:postgres://db.internal/db?user=app&PASSWORD=hunter2")) {
            ConfigException e = rejected(Map.of("MSGBUBBLES_DATABASE_URL", url));

            assertThat(e.problems()).as(url).singleElement().asString()
                    .startsWith("MSGBUBBLES_DATABASE_URL:")
                    .doesNotContain("hunter2").doesNotContain("hunt").doesNotContain("pa/ss");
        }
    }

    @Test
    void defaults_define_the_set_of_known_keys() {
        assertThat(ConfigLoader.defaults().keySet()).containsExactlyInAnyOrder(
                "MSGBUBBLES_HOST", "MSGBUBBLES_PORT", "MSGBUBBLES_PUBLIC_URL", "MSGBUBBLES_DATA_DIR",
                "MSGBUBBLES_DATABASE_URL", "MSGBUBBLES_DATABASE_POOL_SIZE", "MSGBUBBLES_DATABASE_WAIT_MS",
                "MSGBUBBLES_SQLITE_SYNCHRONOUS",
                "MSGBUBBLES_SQLITE_CHECKPOINT_MILLIS",
                "MSGBUBBLES_MAX_BODY_BYTES", "MSGBUBBLES_SHUTDOWN_DRAIN_SECONDS", "MSGBUBBLES_RATE_LIMIT_PER_MINUTE",
                "MSGBUBBLES_IDEMPOTENCY_RETENTION_HOURS", "MSGBUBBLES_WEBHOOK_ALLOW_PRIVATE",
                "MSGBUBBLES_SANDBOX_TIME_SCALE", "MSGBUBBLES_LOG_FORMAT", "MSGBUBBLES_LOG_LEVEL",
                "MSGBUBBLES_SEND_RETRY_WINDOW_SECONDS", "MSGBUBBLES_WORKER_ENABLED", "MSGBUBBLES_PACING_PER_MINUTE",
                "MSGBUBBLES_SANDBOX_PACING_PER_MINUTE", "MSGBUBBLES_JOB_LEASE_SECONDS", "MSGBUBBLES_QUEUE_VACUUM_MILLIS",
                "MSGBUBBLES_EVENTS_HEARTBEAT_SECONDS", "MSGBUBBLES_EVENT_RETENTION_DAYS", "MSGBUBBLES_WEBHOOK_RETRY_SCHEDULE",
                "MSGBUBBLES_WEBHOOK_RETRY_JITTER", "MSGBUBBLES_WEBHOOK_TIMEOUT_MS", "MSGBUBBLES_WEBHOOK_CONCURRENCY",
                "MSGBUBBLES_WEBHOOK_ENDPOINT_CONCURRENCY", "MSGBUBBLES_WEBHOOK_ACCOUNT_CONCURRENCY",
                "MSGBUBBLES_WEBHOOK_LOG_RETENTION_DAYS",
                "MSGBUBBLES_WEBHOOK_MAX_ENDPOINTS",
                "MSGBUBBLES_ATTACHMENT_MAX_FILE_BYTES", "MSGBUBBLES_ATTACHMENT_MAX_REQUEST_BYTES",
                "MSGBUBBLES_ATTACHMENT_TYPES", "MSGBUBBLES_ATTACHMENT_STAGING_HOURS", "MSGBUBBLES_ATTACHMENT_LINK_SECONDS",
                "MSGBUBBLES_ATTACHMENT_MESSAGE_LINK_DAYS", "MSGBUBBLES_ATTACHMENT_MMS_MAX_BYTES", "MSGBUBBLES_FFMPEG");
    }

    @Test
    void the_account_concurrency_defaults_to_half_the_process_s_and_may_not_exceed_it() {
        assertThat(ConfigLoader.load(Map.of()).webhooks().accountConcurrency()).isEqualTo(128);
        assertThat(ConfigLoader.load(Map.of("MSGBUBBLES_WEBHOOK_CONCURRENCY", "8")).webhooks().accountConcurrency())
                .isEqualTo(4);
        assertThat(ConfigLoader.load(Map.of("MSGBUBBLES_WEBHOOK_CONCURRENCY", "1")).webhooks().accountConcurrency())
                .isEqualTo(1);
        assertThat(ConfigLoader.load(Map.of("MSGBUBBLES_WEBHOOK_CONCURRENCY", "8",
                "MSGBUBBLES_WEBHOOK_ACCOUNT_CONCURRENCY", "8")).webhooks().accountConcurrency()).isEqualTo(8);
        for (String bad : List.of("0", "9", "half", "-1")) {
            ConfigException e = rejected(Map.of("MSGBUBBLES_WEBHOOK_CONCURRENCY", "8",
                    "MSGBUBBLES_WEBHOOK_ACCOUNT_CONCURRENCY", bad));
            assertThat(e.problems()).singleElement().asString()
                    .startsWith("MSGBUBBLES_WEBHOOK_ACCOUNT_CONCURRENCY:").contains("from 1 to 8");
        }
        // a bad process concurrency is reported once, not again as the account's limit
        assertThat(rejected(Map.of("MSGBUBBLES_WEBHOOK_CONCURRENCY", "x", "MSGBUBBLES_WEBHOOK_ACCOUNT_CONCURRENCY", "4"))
                .problems()).singleElement().asString().startsWith("MSGBUBBLES_WEBHOOK_CONCURRENCY:");
    }

    @Test
    void the_shutdown_drain_defaults_to_none_and_refuses_nonsense() {
        assertThat(ConfigLoader.load(Map.of()).server().shutdownDrain()).isZero();
        assertThat(ConfigLoader.load(Map.of("MSGBUBBLES_SHUTDOWN_DRAIN_SECONDS", "15")).server().shutdownDrain())
                .isEqualTo(java.time.Duration.ofSeconds(15));
        for (String bad : List.of("-1", "301", "5s", "")) {
            assertThat(rejected(Map.of("MSGBUBBLES_SHUTDOWN_DRAIN_SECONDS", bad)).problems()).as(bad).singleElement()
                    .asString().startsWith("MSGBUBBLES_SHUTDOWN_DRAIN_SECONDS:");
        }
    }

    @Test
    void the_endpoint_cap_defaults_to_50_and_refuses_nonsense() {
        assertThat(ConfigLoader.load(Map.of()).webhooks().maxEndpoints()).isEqualTo(50);
        assertThat(ConfigLoader.load(Map.of("MSGBUBBLES_WEBHOOK_MAX_ENDPOINTS", "200")).webhooks().maxEndpoints())
                .isEqualTo(200);
        for (String bad : java.util.List.of("0", "-1", "10001", "many")) {
            assertThatThrownBy(() -> ConfigLoader.load(Map.of("MSGBUBBLES_WEBHOOK_MAX_ENDPOINTS", bad)))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("MSGBUBBLES_WEBHOOK_MAX_ENDPOINTS");
        }
    }

    @Test
    void queue_vacuum_defaults_to_a_second_may_be_switched_off_and_refuses_nonsense() {
        assertThat(ConfigLoader.load(Map.of()).delivery().queueVacuum()).isEqualTo(java.time.Duration.ofSeconds(1));
        assertThat(ConfigLoader.load(Map.of("MSGBUBBLES_QUEUE_VACUUM_MILLIS", "0")).delivery().queueVacuum()).isZero();
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("MSGBUBBLES_QUEUE_VACUUM_MILLIS", "-5")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("MSGBUBBLES_QUEUE_VACUUM_MILLIS");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("MSGBUBBLES_QUEUE_VACUUM_MILLIS", "soon")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("MSGBUBBLES_QUEUE_VACUUM_MILLIS");
    }

    @Test
    void attachment_limits_default_and_bad_values_are_named() {
        var attachments = ConfigLoader.load(Map.of()).attachments();
        assertThat(attachments.maxFileBytes()).isEqualTo(100L * 1024 * 1024);
        assertThat(attachments.allowedTypes()).containsExactly("*/*"); // files of any type, as the hosted API takes
        assertThat(attachments.staging()).isEqualTo(java.time.Duration.ofHours(24));
        assertThat(attachments.linkTtl()).isEqualTo(java.time.Duration.ofHours(1));
        assertThat(ConfigLoader.load(Map.of("MSGBUBBLES_ATTACHMENT_TYPES", " Image/PNG , */*")).attachments().allowedTypes())
                .containsExactly("image/png", "*/*");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("MSGBUBBLES_ATTACHMENT_TYPES", "png",
                "MSGBUBBLES_ATTACHMENT_MAX_FILE_BYTES", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("MSGBUBBLES_ATTACHMENT_TYPES").hasMessageContaining("MSGBUBBLES_ATTACHMENT_MAX_FILE_BYTES");
    }

    @Test
    void webhook_delivery_defaults_follow_the_documented_schedule_and_bad_values_are_named() {
        var webhooks = ConfigLoader.load(Map.of()).webhooks();
        assertThat(webhooks.retrySchedule()).isEqualTo(dev.msgbubbles.webhook.RetryPolicy.DEFAULT_SCHEDULE);
        assertThat(webhooks.retryJitter()).isEqualTo(0.2);
        assertThat(webhooks.timeout()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(webhooks.concurrency()).isEqualTo(256);
        assertThat(webhooks.endpointConcurrency()).isEqualTo(64);
        assertThat(webhooks.logRetention()).isEqualTo(java.time.Duration.ofDays(30));
        assertThat(ConfigLoader.load(Map.of("MSGBUBBLES_WEBHOOK_RETRY_SCHEDULE", "250ms, 2s,3m,1h,2d")).webhooks()
                .retrySchedule()).containsExactly(java.time.Duration.ofMillis(250), java.time.Duration.ofSeconds(2),
                java.time.Duration.ofMinutes(3), java.time.Duration.ofHours(1), java.time.Duration.ofDays(2));
        for (String bad : java.util.List.of("", "5", "0s", "5s,,1m", "-5s", "5 s", "1w", "1s,".repeat(21) + "1s")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                            ConfigLoader.load(Map.of("MSGBUBBLES_WEBHOOK_RETRY_SCHEDULE", bad)))
                    .as(bad).hasMessageContaining("MSGBUBBLES_WEBHOOK_RETRY_SCHEDULE");
        }
        for (var bad : Map.of("MSGBUBBLES_WEBHOOK_RETRY_JITTER", "0.95", "MSGBUBBLES_WEBHOOK_TIMEOUT_MS", "50",
                "MSGBUBBLES_WEBHOOK_CONCURRENCY", "0", "MSGBUBBLES_WEBHOOK_ENDPOINT_CONCURRENCY", "x").entrySet()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.load(Map.of(bad.getKey(), bad.getValue())))
                    .as(bad.toString()).hasMessageContaining(bad.getKey());
        }
    }

    @Test
    void the_event_stream_heartbeat_defaults_to_15_seconds_and_is_bounded() {
        assertThat(ConfigLoader.load(Map.of()).api().eventsHeartbeat()).isEqualTo(java.time.Duration.ofSeconds(15));
        assertThat(ConfigLoader.load(Map.of("MSGBUBBLES_EVENTS_HEARTBEAT_SECONDS", "1")).api().eventsHeartbeat())
                .isEqualTo(java.time.Duration.ofSeconds(1));
        for (String bad : java.util.List.of("0", "301", "x", "1.5")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                            ConfigLoader.load(Map.of("MSGBUBBLES_EVENTS_HEARTBEAT_SECONDS", bad)))
                    .as(bad).hasMessageContaining("MSGBUBBLES_EVENTS_HEARTBEAT_SECONDS");
        }
    }

    @Test
    void events_are_kept_30_days_by_default_for_ever_with_0_and_never_for_less_than_the_webhook_retries() {
        assertThat(ConfigLoader.load(Map.of()).api().eventRetention()).isEqualTo(java.time.Duration.ofDays(30));
        assertThat(ConfigLoader.load(Map.of("MSGBUBBLES_EVENT_RETENTION_DAYS", "0")).api().eventRetention()).isZero();
        // the default schedule sums to about three and a half days, but a delivery can stay pending up to 254.4 hours:
        // seven retries stretched to the longest step (24 h) by a Retry-After, three of 24 h lengthened 20 % by the
        // jitter. An event removed before would be dropped from a delivery that still has retries ahead.
        assertThat(ConfigLoader.load(Map.of("MSGBUBBLES_EVENT_RETENTION_DAYS", "11")).api().eventRetention())
                .isEqualTo(java.time.Duration.ofDays(11));
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("MSGBUBBLES_EVENT_RETENTION_DAYS", "10")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("254 hours");
        assertThat(ConfigLoader.load(Map.of("MSGBUBBLES_EVENT_RETENTION_DAYS", "1",
                "MSGBUBBLES_WEBHOOK_RETRY_SCHEDULE", "5s,1h")).api().eventRetention())
                .isEqualTo(java.time.Duration.ofDays(1));
        // the jitter lengthens the steps: 2 x 1.8 days
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("MSGBUBBLES_EVENT_RETENTION_DAYS", "3",
                "MSGBUBBLES_WEBHOOK_RETRY_SCHEDULE", "1d,1d", "MSGBUBBLES_WEBHOOK_RETRY_JITTER", "0.8")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("86 hours");
        assertThat(ConfigLoader.load(Map.of("MSGBUBBLES_EVENT_RETENTION_DAYS", "4",
                "MSGBUBBLES_WEBHOOK_RETRY_SCHEDULE", "1d,1d", "MSGBUBBLES_WEBHOOK_RETRY_JITTER", "0.8")).api()
                .eventRetention()).isEqualTo(java.time.Duration.ofDays(4));
        for (String bad : java.util.List.of("4", "3", "1", "-1", "3651", "x", "1.5")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                            ConfigLoader.load(Map.of("MSGBUBBLES_EVENT_RETENTION_DAYS", bad)))
                    .as(bad).isInstanceOf(ConfigException.class).hasMessageContaining("MSGBUBBLES_EVENT_RETENTION_DAYS");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConfigLoader.load(Map.of(
                        "MSGBUBBLES_EVENT_RETENTION_DAYS", "10", "MSGBUBBLES_WEBHOOK_RETRY_SCHEDULE", "5d,5d")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("MSGBUBBLES_EVENT_RETENTION_DAYS")
                .hasMessageContaining("288 hours");
    }

    @Test
    void delivery_settings_default_to_a_one_hour_window_and_a_running_worker() {
        Config config = ConfigLoader.load(Map.of());
        assertThat(config.delivery().retryWindow()).isEqualTo(java.time.Duration.ofHours(1));
        assertThat(config.delivery().workerEnabled()).isTrue();
        Config custom = ConfigLoader.load(Map.of("MSGBUBBLES_SEND_RETRY_WINDOW_SECONDS", "90", "MSGBUBBLES_WORKER_ENABLED", "false"));
        assertThat(custom.delivery().retryWindow()).isEqualTo(java.time.Duration.ofSeconds(90));
        assertThat(custom.delivery().workerEnabled()).isFalse();
    }

    @Test
    void bad_delivery_settings_are_rejected_naming_the_key() {
        assertThat(rejected(Map.of("MSGBUBBLES_SEND_RETRY_WINDOW_SECONDS", "0")).problems())
                .anyMatch(p -> p.startsWith("MSGBUBBLES_SEND_RETRY_WINDOW_SECONDS"));
        assertThat(rejected(Map.of("MSGBUBBLES_WORKER_ENABLED", "maybe")).problems())
                .anyMatch(p -> p.startsWith("MSGBUBBLES_WORKER_ENABLED"));
    }

    @Test
    void a_job_lease_shorter_than_twice_the_webhook_timeout_is_rejected_naming_both_keys() {
        assertThat(rejected(Map.of("MSGBUBBLES_WEBHOOK_TIMEOUT_MS", "30001")).problems()).singleElement().asString()
                .startsWith("MSGBUBBLES_JOB_LEASE_SECONDS: must be at least twice MSGBUBBLES_WEBHOOK_TIMEOUT_MS (30001 ms)")
                .endsWith("got '60'");
        assertThat(rejected(Map.of("MSGBUBBLES_JOB_LEASE_SECONDS", "3")).problems()).singleElement().asString()
                .startsWith("MSGBUBBLES_JOB_LEASE_SECONDS: must be at least twice MSGBUBBLES_WEBHOOK_TIMEOUT_MS (10000 ms)");
        // exactly twice is enough; a value already wrong on its own is reported once, not twice
        Config edge = ConfigLoader.load(Map.of("MSGBUBBLES_JOB_LEASE_SECONDS", "3", "MSGBUBBLES_WEBHOOK_TIMEOUT_MS", "1500"));
        assertThat(edge.delivery().jobLease()).isEqualTo(java.time.Duration.ofSeconds(3));
        assertThat(edge.webhooks().timeout()).isEqualTo(java.time.Duration.ofMillis(1500));
        assertThat(ConfigLoader.load(Map.of("MSGBUBBLES_WEBHOOK_TIMEOUT_MS", "30000")).webhooks().timeout())
                .isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(rejected(Map.of("MSGBUBBLES_JOB_LEASE_SECONDS", "0")).problems()).singleElement().asString()
                .startsWith("MSGBUBBLES_JOB_LEASE_SECONDS: must be a whole number");
        assertThat(rejected(Map.of("MSGBUBBLES_WEBHOOK_TIMEOUT_MS", "99999")).problems()).singleElement().asString()
                .startsWith("MSGBUBBLES_WEBHOOK_TIMEOUT_MS: must be a whole number");
    }

    @Test
    void problems_list_is_immutable() {
        ConfigException e = rejected(Map.of("MSGBUBBLES_PORT", "abc"));

        assertThatThrownBy(() -> e.problems().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    private static Path write(Path dir, String content) throws IOException {
        return Files.writeString(dir.resolve("msgbubbles.properties"), content, StandardCharsets.UTF_8);
    }
}
