package dev.msgbubbles.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.support.Cli;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.TestStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code msgbubbles serve} in its own JVM: the quick start a new user runs. */
class ServeCliIT {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern TEST_KEY = Pattern.compile("test key: (sk_test_\\w+)");

    /** A started server: its process, port, and the lines it printed up to "listening". */
    record Server(Process process, int port, List<String> lines) {
        String testKey() {
            return lines.stream().map(TEST_KEY::matcher).filter(Matcher::find).map(m -> m.group(1)).findFirst().orElse(null);
        }
    }

    private static Server start(Map<String, String> env) throws Exception {
        Process process = Cli.builder(env, "serve").redirectErrorStream(true).start();
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        String line;
        while ((line = reader.readLine()) != null) {
            lines.add(line);
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> reader.lines().forEach(l -> { }));
                drain.setDaemon(true);
                drain.start();
                return new Server(process, Integer.parseInt(m.group(1)), lines);
            }
        }
        throw new AssertionError("server exited before listening: " + String.join("\n", lines));
    }

    private static void stop(Server server) throws InterruptedException {
        server.process().destroy(); // SIGTERM: the shutdown hook closes the server and the database
        assertThat(server.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void first_start_prints_keys_once_and_they_keep_working_after_a_restart() throws Exception {
        try (TestStore store = TestStore.sqlite()) {
            Map<String, String> env = new java.util.HashMap<>(store.environment());
            env.put("MSGBUBBLES_PORT", "0");
            Server first = start(env);
            String key = first.testKey();
            assertThat(key).as(String.join("\n", first.lines())).isNotNull();
            assertThat(first.lines()).anyMatch(l -> l.contains("live key: sk_live_"));
            Http http = new Http(first.port());
            assertThat(http.get("/v1/numbers", key).json().path("data").get(0).path("handle").asText()).isEqualTo("+18005550100");

            // admin runs against the same SQLite file while the server is up
            Cli.Result listed = Cli.run(store.environment(), "admin", "account", "list");
            assertThat(listed.exit()).as(listed.err()).isZero();
            assertThat(listed.out()).contains("\"name\":\"default\"");
            stop(first);

            Server second = start(env);
            assertThat(second.testKey()).isNull();
            assertThat(second.lines()).noneMatch(l -> l.contains("First start"));
            assertThat(new Http(second.port()).get("/v1/numbers", key).status()).isEqualTo(200);
            stop(second);
        }
    }

    @Test
    void serve_refuses_to_start_on_invalid_configuration_naming_the_key() {
        Cli.Result result = Cli.run(Map.of("MSGBUBBLES_PORT", "99999"), "serve");
        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("MSGBUBBLES_PORT");
    }
}
