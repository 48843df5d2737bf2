package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk under a SQLite store fills up while sends come in. Each send the store cannot take is answered
 * {@code 503 unavailable} with {@code Retry-After} and writes nothing, whether the full disk stopped one of its
 * statements or its commit (a commit that could not append to the write-ahead log never took effect); the log has one
 * line per refusal and no stack traces. Once there is room again the same requests succeed as if first made, and every
 * message that got a {@code 202} reaches its final status.
 *
 * <p>The server runs in a user and mount namespace of its own ({@code unshare}, no privileges needed) with its data
 * directory on a small tmpfs, which a loop in the same namespace fills and empties when the test asks.
 */
class SqliteDiskFullIT {
    private static final String SEND = "{\"to\":\"+1415555%04d\",\"from_handle\":\"+18005550100\",\"text\":\"%s\"}";
    private static final String TMPFS = """
            data=$1 ctl=$2; shift 2
            mount -t tmpfs -o size=8m tmpfs "$data" || exit 97
            "$@" &
            server=$!
            trap 'kill -KILL $server 2>/dev/null; exit 1' TERM INT
            while kill -0 $server 2>/dev/null; do
              if [ -e "$ctl/fill" ] && [ ! -e "$ctl/filled" ]; then
                cat /dev/zero > "$data/filler" 2>/dev/null; touch "$ctl/filled"
              fi
              if [ -e "$ctl/free" ] && [ ! -e "$ctl/freed" ]; then rm -f "$data/filler"; touch "$ctl/freed"; fi
              sleep 0.02
            done
            wait $server
            """;

    @Test
    void sends_get_503_while_the_disk_is_full_and_nothing_is_lost_or_made_twice_once_it_has_room(@TempDir Path dir)
            throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path ctl = Files.createDirectories(dir.resolve("ctl"));
        Map<String, String> env = Map.of("MSGBUBBLES_PORT", "0", "MSGBUBBLES_DATA_DIR", data.toString(),
                "MSGBUBBLES_SANDBOX_TIME_SCALE", "0", "MSGBUBBLES_RATE_LIMIT_PER_MINUTE", "1000000");
        List<String> wrapper = List.of("unshare", "--user", "--map-root-user", "--mount", "bash", "-c", TMPFS, "bash",
                data.toString(), ctl.toString());
        try (ServerProcess server = ServerProcess.startWithin(env, wrapper)) {
            Http http = new Http(server.port());
            String key = server.testKey();
            List<String> accepted = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Http.Response sent = send(http, key, i);
                assertThat(sent.status()).as(sent.text()).isEqualTo(202);
                accepted.add(sent.json().path("data").path("id").asText());
            }

            signal(ctl, "fill", "filled");
            List<Integer> refused = new ArrayList<>();
            for (int i = 20; i < 3000 && refused.size() < 20; i++) {
                Http.Response sent = send(http, key, i);
                if (sent.status() == 202) { // a smaller transaction may still fit where a larger one did not
                    accepted.add(sent.json().path("data").path("id").asText());
                    continue;
                }
                assertThat(sent.status()).as(sent.text()).isEqualTo(503);
                JsonNode body = sent.json();
                assertThat(body.path("error").asText()).isEqualTo("unavailable");
                assertThat(body.path("message").asText()).contains("nothing was written");
                assertThat(sent.header("Retry-After")).contains("1");
                refused.add(i);
            }
            assertThat(refused).as("a full disk must stop the sends within 3,000 of them").hasSize(20);
            assertThat(http.get("/v1/messages?limit=1", key).status()).as("reads go on").isEqualTo(200);

            signal(ctl, "free", "freed");
            for (int i : refused) {
                Http.Response again = send(http, key, i);
                assertThat(again.status()).as("created now, not replayed: the refused request wrote nothing: " + again.text())
                        .isEqualTo(202);
                accepted.add(again.json().path("data").path("id").asText());
            }

            Set<String> listed = new HashSet<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                listed.clear();
                int unread = 0;
                String before = "";
                do {
                    JsonNode page = http.get("/v1/messages?limit=100" + before, key).json();
                    for (JsonNode message : page.path("data")) {
                        listed.add(message.path("id").asText());
                        unread += message.path("status").asText().equals("read") ? 0 : 1;
                    }
                    before = page.path("next_before").isTextual() ? "&before=" + java.net.URLEncoder.encode(
                            page.path("next_before").asText(), StandardCharsets.UTF_8) : "";
                } while (!before.isEmpty());
                if (unread == 0 || System.nanoTime() > deadline) {
                    assertThat(unread).as("messages not yet at their final status").isZero();
                    break;
                }
                Thread.sleep(100); // the sandbox at time scale 0 and the worker, a real process: polled, not timed
            }
            assertThat(listed).as("every accepted message, and nothing else").containsExactlyInAnyOrderElementsOf(accepted);

            List<String> output = server.lines();
            assertThat(output).as("no ERROR and no stack trace for a full disk")
                    .noneMatch(line -> line.contains(" ERROR ") || line.startsWith("\tat ") || line.contains("Exception:"));
            assertThat(output).anyMatch(line -> line.contains(" WARN ") && line.contains("SQLITE_FULL"));
        }
    }

    private static Http.Response send(Http http, String key, int i) {
        return http.send("POST", "/v1/messages", key, "application/json",
                SEND.formatted(1000 + i % 900, "disk full " + i).getBytes(StandardCharsets.UTF_8),
                Map.of("Idempotency-Key", "disk-full-" + i));
    }

    /** Touches {@code ctl/ask} and waits for the loop in the server's namespace to touch {@code ctl/done}. */
    private static void signal(Path ctl, String ask, String done) throws Exception {
        Files.createFile(ctl.resolve(ask));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.exists(ctl.resolve(done))) {
            assertThat(System.nanoTime()).as("the namespace's loop did not answer '" + ask + "'").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
