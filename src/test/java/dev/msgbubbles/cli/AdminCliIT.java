package dev.msgbubbles.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.msgbubbles.support.Cli;
import dev.msgbubbles.support.TestStore;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code msgbubbles admin …} in its own JVM, as DECISIONS §2 specifies: one JSON object on stdout, errors on stderr. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestStore sqlite;
    private TestStore postgres;

    @BeforeAll
    void stores() {
        sqlite = TestStore.sqlite();
        postgres = TestStore.postgres("admin_cli");
    }

    @AfterAll
    void cleanUp() {
        sqlite.close();
        postgres.close();
    }

    private static JsonNode ok(Cli.Result result) {
        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out().strip().lines()).as("stdout is one JSON line").hasSize(1);
        try {
            return JSON.readTree(result.out());
        } catch (IOException e) {
            throw new AssertionError("stdout is not JSON: " + result.out(), e);
        }
    }

    private static void fails(Cli.Result result, int exit, String stderrContains) {
        assertThat(result.exit()).as(result.out() + result.err()).isEqualTo(exit);
        assertThat(result.out()).isBlank();
        assertThat(result.err()).contains(stderrContains);
    }

    @Test
    void every_command_prints_its_usage_with_named_values_for_help() {
        Map<String, String> env = sqlite.environment();
        for (String[] command : new String[][] {{"account", "create"}, {"account", "suspend"}, {"account", "list"},
                {"key", "create"}, {"key", "revoke"}, {"number", "add"}, {"number", "set-status"}, {"status"}}) {
            String[] args = new String[command.length + 2];
            args[0] = "admin";
            System.arraycopy(command, 0, args, 1, command.length);
            args[args.length - 1] = "--help";
            Cli.Result help = Cli.run(env, args);
            assertThat(help.exit()).as(String.join(" ", args) + ": " + help.err()).isZero();
            assertThat(help.out()).startsWith("Usage: msgbubbles admin " + String.join(" ", command))
                    .doesNotContain("<arg");
        }
        assertThat(Cli.run(env, "admin", "number", "add", "--help").out()).contains("--handle=E164", "--mode=MODE");
    }

    @Test
    void the_whole_admin_contract_works_on_sqlite() {
        Map<String, String> env = sqlite.environment();
        JsonNode account = ok(Cli.run(env, "admin", "account", "create", "--name", "acme"));
        String accountId = account.path("account_id").asText();
        assertThat(account.path("test_key").asText()).startsWith("sk_test_");
        assertThat(account.path("live_key").asText()).startsWith("sk_live_");

        JsonNode key = ok(Cli.run(env, "admin", "key", "create", "--account", accountId, "--mode", "live"));
        assertThat(key.path("key").asText()).startsWith("sk_live_");
        assertThat(key.path("prefix").asText()).hasSize(16);

        JsonNode number = ok(Cli.run(env, "admin", "number", "add", "--account", accountId, "--handle", "+14155550100",
                "--channels", "sms,imessage", "--mode", "test", "--label", "support line"));
        assertThat(number.path("handle").asText()).isEqualTo("+14155550100");
        assertThat(number.path("channels").toString()).isEqualTo("[\"imessage\",\"sms\"]");
        assertThat(number.path("status").asText()).isEqualTo("online");
        assertThat(number.path("provider").asText()).isEqualTo("sandbox");

        assertThat(ok(Cli.run(env, "admin", "number", "set-status", "--handle", "+14155550100", "--status", "offline"))
                .path("status").asText()).isEqualTo("offline");
        assertThat(ok(Cli.run(env, "admin", "number", "set-status", "--handle", "+14155550100", "--status", " ONLINE"))
                .path("status").asText()).as("read as --mode is").isEqualTo("online");
        assertThat(ok(Cli.run(env, "admin", "number", "set-status", "--handle", "+14155550100", "--status", "Offline"))
                .path("status").asText()).isEqualTo("offline");
        assertThat(ok(Cli.run(env, "admin", "account", "suspend", "--account", accountId)).path("status").asText())
                .isEqualTo("suspended");
        assertThat(ok(Cli.run(env, "admin", "account", "activate", "--account", accountId)).path("status").asText())
                .isEqualTo("active");
        assertThat(ok(Cli.run(env, "admin", "key", "revoke", "--key", key.path("prefix").asText())).path("revoked").asText())
                .isEqualTo(key.path("prefix").asText());
        JsonNode status = ok(Cli.run(env, "admin", "status"));
        assertThat(status.path("dialect").asText()).isEqualTo("sqlite");
        assertThat(status.path("ready").asBoolean()).isTrue();
        assertThat(status.path("accounts").asInt()).isEqualTo(1);
    }

    @Test
    void refusals_go_to_stderr_with_a_non_zero_exit() {
        Map<String, String> env = sqlite.environment();
        String accountId = ok(Cli.run(env, "admin", "account", "create", "--name", "dup")).path("account_id").asText();
        fails(Cli.run(env, "admin", "account", "create", "--name", "dup"), 1, "already exists");
        fails(Cli.run(env, "admin", "account", "suspend", "--account", "not-a-uuid"), 1, "--account");
        fails(Cli.run(env, "admin", "key", "create", "--account", accountId, "--mode", "prod"), 1, "--mode");
        fails(Cli.run(env, "admin", "number", "add", "--account", accountId, "--handle", "555-0100", "--channels", "sms",
                "--mode", "test"), 1, "E.164");
        fails(Cli.run(env, "admin", "number", "add", "--account", accountId, "--handle", "+14155550199", "--channels", "fax",
                "--mode", "test"), 1, "--channels");
        fails(Cli.run(env, "admin", "number", "set-status", "--handle", "+14155550100", "--status", "away"), 1, "online or offline");
        fails(Cli.run(env, "admin", "key", "revoke", "--key", "sk_test_ZZZZZZZZ"), 1, "not found");
        fails(Cli.run(env, "admin", "account", "create"), 2, "--name");
        // a command missing its subcommand is a usage error, the bare "admin" as much as "admin account"
        fails(Cli.run(env, "admin"), 2, "Missing required subcommand");
        fails(Cli.run(env, "admin", "account"), 2, "Missing required subcommand");
    }

    @Test
    void configuration_errors_name_the_key_and_exit_2() {
        Cli.Result result = Cli.run(Map.of("MSGBUBBLES_DATA_DIR", "/tmp", "MSGBUBBLES_RATE_LIMIT_PER_MINUTE", "lots",
                "MSGBUBBLES_DATABSE_URL", "typo"), "admin", "status");
        fails(result, 2, "MSGBUBBLES_RATE_LIMIT_PER_MINUTE");
        assertThat(result.err()).contains("MSGBUBBLES_DATABSE_URL");
    }

    @Test
    void admin_works_against_postgresql() {
        Map<String, String> env = postgres.environment();
        String accountId = ok(Cli.run(env, "admin", "account", "create", "--name", "pg")).path("account_id").asText();
        ok(Cli.run(env, "admin", "number", "add", "--account", accountId, "--handle", "+14155550123", "--channels",
                "whatsapp", "--mode", "live", "--provider", "whatsapp-cloud"));
        JsonNode status = ok(Cli.run(env, "admin", "status"));
        assertThat(status.path("dialect").asText()).isEqualTo("postgresql");
        assertThat(status.path("database").asText()).startsWith("postgresql://postgres@");
    }
}
