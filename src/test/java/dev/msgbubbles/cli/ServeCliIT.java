package dev.msgbubbles.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.support.Cli;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.ServerProcess;
import dev.msgbubbles.support.TestStore;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code msgbubbles serve} in its own JVM: the quick start a new user runs. */
class ServeCliIT {
    @Test
    void first_start_prints_keys_once_and_they_keep_working_after_a_restart() throws Exception {
        try (TestStore store = TestStore.sqlite()) {
            Map<String, String> env = new java.util.HashMap<>(store.environment());
            env.put("MSGBUBBLES_PORT", "0");
            ServerProcess first = ServerProcess.start(env);
            String key = first.testKey();
            assertThat(key).as(String.join("\n", first.lines())).isNotNull();
            assertThat(first.lines()).anyMatch(l -> l.contains("live key: sk_live_"));
            Http http = new Http(first.port());
            assertThat(http.get("/v1/numbers", key).json().path("data").get(0).path("handle").asText()).isEqualTo("+18005550100");

            // admin runs against the same SQLite file while the server is up
            Cli.Result listed = Cli.run(store.environment(), "admin", "account", "list");
            assertThat(listed.exit()).as(listed.err()).isZero();
            assertThat(listed.out()).contains("\"name\":\"default\"");
            assertThat(first.stop()).isTrue();

            ServerProcess second = ServerProcess.start(env);
            assertThat(second.testKey()).isNull();
            assertThat(second.lines()).noneMatch(l -> l.contains("First start"));
            assertThat(new Http(second.port()).get("/v1/numbers", key).status()).isEqualTo(200);
            assertThat(second.stop()).isTrue();
        }
    }

    /**
     * {@code MSGBUBBLES_LOG_FORMAT=json}: every line on stdout is one JSON object, the start-up banner (with a first
     * start's keys, shown whatever the log level) and a stop included, under requests that fail in several ways; no
     * message body is in any of them.
     */
    @Test
    void json_logs_are_one_json_object_per_line_banner_included() throws Exception {
        try (TestStore store = TestStore.sqlite()) {
            Map<String, String> env = new java.util.HashMap<>(store.environment());
            env.put("MSGBUBBLES_PORT", "0");
            env.put("MSGBUBBLES_LOG_FORMAT", "json");
            env.put("MSGBUBBLES_LOG_LEVEL", "WARN");
            ServerProcess server = ServerProcess.start(env);
            String key = server.testKey();
            assertThat(key).as(String.join("\n", server.lines())).isNotNull();
            Http http = new Http(server.port());
            assertThat(http.postJson("/v1/messages", key, "{\"to\":\"+14155550000\",\"from_handle\":\"+18005550100\","
                    + "\"text\":\"a private body\\nover two lines\"}").status()).isEqualTo(202);
            assertThat(http.postJson("/v1/messages", key, "{\"text\":\"another private body\"").status()).isEqualTo(400);
            assertThat(http.get("/nowhere", key).status()).isEqualTo(404);
            assertThat(server.stop()).isTrue();

            var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            for (String line : server.lines()) {
                com.fasterxml.jackson.databind.JsonNode parsed;
                try {
                    parsed = mapper.readTree(line);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new AssertionError("not a JSON object: " + line, e);
                }
                assertThat(parsed.isObject()).as(line).isTrue();
                assertThat(parsed.path("level").asText()).as(line).isNotEmpty();
                assertThat(line).doesNotContain("private body");
            }
            assertThat(server.lines()).anyMatch(l -> l.contains("listening on http://127.0.0.1:" + server.port()));
        }
    }

    /** The banner's URLs are copied into a browser or curl: on an IPv6 address they must bracket it to be URLs. */
    @Test
    void the_banner_on_an_ipv6_address_prints_urls_that_reach_the_server() throws Exception {
        try (TestStore store = TestStore.emptySqlite()) {
            Map<String, String> env = new java.util.HashMap<>(store.environment());
            env.put("MSGBUBBLES_PORT", "0");
            env.put("MSGBUBBLES_HOST", "::1");
            Process process = Cli.builder(env, "serve").redirectErrorStream(true).start();
            try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8))) {
                java.util.List<String> lines = new java.util.ArrayList<>();
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                    if (line.contains("listening on")) {
                        break;
                    }
                }
                String banner = String.join("\n", lines);
                java.util.regex.Matcher listening = java.util.regex.Pattern.compile("listening on (\\S+) ").matcher(banner);
                java.util.regex.Matcher tryIt = java.util.regex.Pattern.compile("curl -s (\\S+)/v1/numbers").matcher(banner);
                assertThat(listening.find()).as(banner).isTrue();
                assertThat(tryIt.find()).as(banner).isTrue();
                for (String url : java.util.List.of(listening.group(1), tryIt.group(1))) {
                    java.net.URI uri = java.net.URI.create(url + "/healthz");
                    assertThat(uri.getHost()).as(url).isEqualTo("[::1]");
                    var answer = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(uri)
                            .build(), java.net.http.HttpResponse.BodyHandlers.discarding());
                    assertThat(answer.statusCode()).isEqualTo(200);
                }
            } finally {
                process.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void serve_exits_when_its_port_is_taken_showing_the_keys_it_created() throws Exception {
        try (TestStore store = TestStore.sqlite(); java.net.ServerSocket taken = new java.net.ServerSocket()) {
            taken.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            Map<String, String> env = new java.util.HashMap<>(store.environment());
            env.put("MSGBUBBLES_PORT", Integer.toString(taken.getLocalPort()));
            Cli.Result refused = Cli.run(env, "serve");
            assertThat(refused.exit()).as(refused.out() + refused.err()).isEqualTo(1);
            assertThat(refused.err()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort())
                    .contains("MSGBUBBLES_PORT").doesNotContain("\tat ");
            assertThat(refused.out()).doesNotContain("listening on").doesNotContain("Try it")
                    .as("no stack trace in the log either: the line on stderr says it all").doesNotContain("\tat ");
            // the account it created is usable with the keys it printed: they are shown only once
            java.util.regex.Matcher key = java.util.regex.Pattern.compile("test key: (sk_test_\\w+)").matcher(refused.out());
            assertThat(key.find()).as(refused.out()).isTrue();

            env.put("MSGBUBBLES_PORT", "0");
            try (ServerProcess next = ServerProcess.start(env)) {
                assertThat(next.lines()).noneMatch(l -> l.contains("First start"));
                assertThat(new Http(next.port()).get("/v1/numbers", key.group(1)).status()).isEqualTo(200);
                assertThat(next.stop()).isTrue();
            }
        }
    }

    @Test
    void a_server_that_cannot_listen_sends_nothing_of_what_is_queued() throws Exception {
        try (TestStore store = TestStore.sqlite(); java.net.ServerSocket taken = new java.net.ServerSocket()) {
            taken.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            Map<String, String> env = new java.util.HashMap<>(store.environment());
            env.put("MSGBUBBLES_PORT", "0");
            env.put("MSGBUBBLES_WORKER_ENABLED", "false"); // accepts, sends nothing: the message stays queued
            String id;
            try (ServerProcess first = ServerProcess.start(env)) {
                Http.Response accepted = new Http(first.port()).postJson("/v1/messages", first.testKey(),
                        "{\"to\":\"+14155555001\",\"from_handle\":\"+18005550100\",\"text\":\"hold on\"}");
                assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
                id = accepted.json().path("data").path("id").asText();
                assertThat(first.stop()).isTrue();
            }
            env.remove("MSGBUBBLES_WORKER_ENABLED");
            env.put("MSGBUBBLES_PORT", Integer.toString(taken.getLocalPort()));
            assertThat(Cli.run(env, "serve").exit()).isEqualTo(1);
            try (dev.msgbubbles.db.Database db = store.open()) {
                String status = db.read(h -> h.createQuery("SELECT status FROM messages WHERE id = :id")
                        .bind("id", java.util.UUID.fromString(id)).mapTo(String.class).one());
                assertThat(status).isEqualTo("queued");
            }
        }
    }

    @Test
    void serve_help_prints_the_usage_and_starts_nothing() {
        Cli.Result help = Cli.run(Map.of("MSGBUBBLES_PORT", "0"), "serve", "--help");
        assertThat(help.exit()).as(help.out() + help.err()).isZero();
        assertThat(help.out()).startsWith("Usage: msgbubbles serve").doesNotContain("listening on");
        assertThat(help.err()).isBlank();
    }

    @Test
    void serve_refuses_to_start_on_invalid_configuration_naming_the_key() {
        Cli.Result result = Cli.run(Map.of("MSGBUBBLES_PORT", "99999"), "serve");
        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("MSGBUBBLES_PORT");
    }

    @Test
    void serve_and_admin_that_cannot_open_the_database_say_why_in_a_line_and_no_stack_trace(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createFile(dir.resolve("not-a-directory"));
        Map<Map<String, String>, String> unusable = Map.of(
                // PostgreSQL does not answer (nothing listens on port 1)
                Map.of("MSGBUBBLES_DATABASE_URL", "postgresql://postgres:secret@127.0.0.1:1/nowhere"),
                "cannot open the database postgresql://postgres:***@127.0.0.1:1/nowhere: ",
                // the SQLite data directory cannot be created: a file is in its way
                Map.of("MSGBUBBLES_DATA_DIR", file.resolve("data").toString()),
                "cannot open the database jdbc:sqlite:" + file.resolve("data").resolve("msgbubbles.db") + ": ");
        for (Map.Entry<Map<String, String>, String> store : unusable.entrySet()) {
            Map<String, String> env = new java.util.HashMap<>(store.getKey());
            env.put("MSGBUBBLES_PORT", "0");
            for (String[] command : new String[][] {{"serve"}, {"admin", "account", "list"}}) {
                Cli.Result result = Cli.run(env, command);
                assertThat(result.exit()).as(result.err()).isEqualTo(1);
                assertThat(result.err()).contains(store.getValue()).doesNotContain("\tat ").doesNotContain("secret");
                assertThat(result.err().strip().lines()).as(result.err()).hasSize(1);
            }
        }
    }

    /**
     * The attachments' directory ({@code DATA_DIR/blobs}) is the only thing a server on a database outside the data
     * directory (PostgreSQL, or SQLite elsewhere) creates there: a data directory it cannot use is said in a line
     * naming the key, as a database it cannot open is, not a stack trace.
     */
    @Test
    void serve_that_cannot_create_its_attachment_directory_says_why_in_a_line_and_no_stack_trace(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createFile(dir.resolve("not-a-directory"));
        Cli.Result result = Cli.run(Map.of("MSGBUBBLES_PORT", "0", "MSGBUBBLES_DATA_DIR", file.toString(),
                "MSGBUBBLES_DATABASE_URL", "sqlite:" + dir.resolve("store").resolve("msgbubbles.db")), "serve");
        assertThat(result.exit()).as(result.err()).isEqualTo(1);
        assertThat(result.err()).contains("MSGBUBBLES_DATA_DIR").contains(file.resolve("blobs").toString())
                .doesNotContain("\tat ");
        assertThat(result.err().strip().lines()).as(result.err()).hasSize(1);
    }

    @Test
    void serve_and_admin_refuse_a_database_that_a_newer_version_migrated_with_a_message_and_no_stack_trace() {
        try (TestStore store = TestStore.sqlite()) {
            try (dev.msgbubbles.db.Database db = store.open()) {
                db.writeVoid(h -> h.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, "
                        + "type, script, checksum, installed_by, execution_time, success) VALUES (999, '999', 'newer', "
                        + "'SQL', 'V999__newer.sql', 0, 'test', 0, 1)"));
            }
            Map<String, String> env = new java.util.HashMap<>(store.environment());
            env.put("MSGBUBBLES_PORT", "0");
            // serve exits 2 as on a configuration it cannot run with; admin 1, as on any failed operation
            Map<Integer, String[]> commands = Map.of(2, new String[] {"serve"},
                    1, new String[] {"admin", "account", "list"});
            for (Map.Entry<Integer, String[]> command : commands.entrySet()) {
                Cli.Result result = Cli.run(env, command.getValue());
                assertThat(result.exit()).as(result.err()).isEqualTo(command.getKey());
                assertThat(result.err()).contains("migrated by a newer version of msgbubbles (schema version 999")
                        .doesNotContain("\tat ");
            }
        }
    }

    @Test
    void a_running_server_stops_when_a_newer_version_migrates_its_database() throws Exception {
        try (TestStore store = TestStore.sqlite()) {
            Map<String, String> env = new java.util.HashMap<>(store.environment());
            env.put("MSGBUBBLES_PORT", "0");
            env.put("MSGBUBBLES_SHUTDOWN_DRAIN_SECONDS", "300"); // not for this stop: it must serve nothing more
            try (ServerProcess server = ServerProcess.start(env); dev.msgbubbles.db.Database db = store.open()) {
                db.writeVoid(h -> h.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, "
                        + "type, script, checksum, installed_by, execution_time, success) VALUES (999, '999', 'newer', "
                        + "'SQL', 'V999__newer.sql', 0, 'test', 0, 1)"));
                // it looks every ServeCommand.SCHEMA_CHECK (5 s)
                assertThat(server.exitCode(java.time.Duration.ofSeconds(20))).isEqualTo(3);
                assertThat(server.lines())
                        .anyMatch(l -> l.contains("a newer version of msgbubbles has migrated the database"))
                        .noneMatch(l -> l.contains("requests are still served"))
                        .last().asString().contains("stopped cleanly");
            }
        }
    }
}
