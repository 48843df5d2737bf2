package dev.msgbubbles.cli;

import dev.msgbubbles.account.Account;
import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code admin}: account, key and number administration (DECISIONS §2). */
@Command(name = "admin", description = "Administer accounts, API keys and numbers.",
        mixinStandardHelpOptions = true,
        subcommands = {AdminCommand.AccountCommands.class, AdminCommand.KeyCommands.class,
                AdminCommand.NumberCommands.class, AdminCommand.Status.class})
// Not runnable itself: a bare "admin" is a usage error (exit 2, "Missing required subcommand" and the usage on stderr),
// as a bare "admin account" is, rather than a success that did nothing.
public final class AdminCommand {

    @Command(name = "account", description = "Create, suspend, activate and list accounts.", mixinStandardHelpOptions = true)
    static final class AccountCommands {
        @Spec
        CommandSpec spec;

        @Command(name = "create", description = "Create an account with one test and one live key.", mixinStandardHelpOptions = true)
        int create(@Option(names = "--name", required = true, paramLabel = "NAME") String name) {
            return AdminContext.run(spec, s -> {
                var created = s.accounts().create(name);
                return AdminContext.ordered("account_id", created.account().id(), "name", created.account().name(),
                        "test_key", created.testKey().key(), "live_key", created.liveKey().key());
            });
        }

        @Command(name = "suspend", description = "Refuse the account's keys with 403 until activated.", mixinStandardHelpOptions = true)
        int suspend(@Option(names = "--account", required = true, paramLabel = "ACCOUNT_ID") String account) {
            return AdminContext.run(spec, s -> view(s.accounts().setStatus(accountId(account), Account.Status.SUSPENDED)));
        }

        @Command(name = "activate", description = "Accept a suspended account's keys again.", mixinStandardHelpOptions = true)
        int activate(@Option(names = "--account", required = true, paramLabel = "ACCOUNT_ID") String account) {
            return AdminContext.run(spec, s -> view(s.accounts().setStatus(accountId(account), Account.Status.ACTIVE)));
        }

        @Command(name = "list", description = "List all accounts.", mixinStandardHelpOptions = true)
        int list() {
            return AdminContext.run(spec, s -> AdminContext.ordered("accounts",
                    s.accounts().list().stream().map(AccountCommands::view).toList()));
        }

        private static Object view(Account a) {
            return AdminContext.ordered("account_id", a.id(), "name", a.name(),
                    "status", a.status().name().toLowerCase(Locale.ROOT), "created_at", a.createdAt().toString());
        }
    }

    @Command(name = "key", description = "Create and revoke API keys.", mixinStandardHelpOptions = true)
    static final class KeyCommands {
        @Spec
        CommandSpec spec;

        @Command(name = "create", description = "Create a key; it is printed once and never stored.", mixinStandardHelpOptions = true)
        int create(@Option(names = "--account", required = true, paramLabel = "ACCOUNT_ID") String account,
                   @Option(names = "--mode", required = true, paramLabel = "MODE", description = "test or live") String mode) {
            return AdminContext.run(spec, s -> {
                var key = s.accounts().issueKey(accountId(account), mode(mode));
                return AdminContext.ordered("key", key.key(), "prefix", key.prefix(), "account_id", key.accountId(),
                        "mode", key.mode().wire());
            });
        }

        @Command(name = "revoke", description = "Revoke a key, given in full or by its 16-character prefix.", mixinStandardHelpOptions = true)
        int revoke(@Option(names = "--key", required = true, paramLabel = "KEY_OR_PREFIX") String key) {
            return AdminContext.run(spec, s -> AdminContext.ordered("revoked", s.accounts().revoke(key)));
        }
    }

    @Command(name = "number", description = "Assign numbers to accounts and set their status.", mixinStandardHelpOptions = true)
    static final class NumberCommands {
        @Spec
        CommandSpec spec;

        @Command(name = "add", description = "Assign a number to an account.", mixinStandardHelpOptions = true)
        int add(@Option(names = "--account", required = true, paramLabel = "ACCOUNT_ID") String account,
                @Option(names = "--handle", required = true, paramLabel = "E164", description = "E.164, e.g. +18005550111") String handle,
                @Option(names = "--channels", required = true, paramLabel = "CHANNELS", description = "imessage,sms[,whatsapp]") String channels,
                @Option(names = "--mode", required = true, paramLabel = "MODE", description = "test or live") String mode,
                @Option(names = "--provider", paramLabel = "PROVIDER", description = "sandbox (default), bluebubbles, twilio, whatsapp-cloud, kannel") String provider,
                @Option(names = "--label", paramLabel = "LABEL") String label) {
            return AdminContext.run(spec, s -> view(s.numbers().add(new NumberDirectory.NewNumber(accountId(account),
                    handle, channels(channels), mode(mode), provider(provider), label))));
        }

        @Command(name = "set-status", description = "Mark a number online or offline.", mixinStandardHelpOptions = true)
        int setStatus(@Option(names = "--handle", required = true, paramLabel = "E164") String handle,
                      @Option(names = "--status", required = true, paramLabel = "STATUS", description = "online or offline") String status) {
            // read as --mode, --provider and --channels are: in any case, around spaces ignored
            return AdminContext.run(spec, s -> view(s.numbers().setStatus(handle, switch (status.strip().toLowerCase(Locale.ROOT)) {
                case "online" -> AccountNumber.Status.ONLINE;
                case "offline" -> AccountNumber.Status.OFFLINE;
                default -> throw ApiException.invalid("status", "--status must be online or offline");
            })));
        }

        private static Object view(AccountNumber n) {
            return AdminContext.ordered("handle", n.handle(), "channels", n.channels().stream().map(ChannelType::wire).toList(),
                    "label", n.label(), "status", n.status().name().toLowerCase(Locale.ROOT),
                    "account_id", n.accountId(), "mode", n.mode().wire(), "provider", n.provider().wire());
        }
    }

    @Command(name = "status", description = "Show the database and how many accounts it holds.", mixinStandardHelpOptions = true)
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return AdminContext.run(spec, s -> AdminContext.ordered("database", s.database().description(),
                    "dialect", s.database().dialect().name().toLowerCase(Locale.ROOT),
                    "ready", s.database().ready(), "accounts", s.accounts().list().size()));
        }
    }

    static UUID accountId(String text) {
        try {
            return UUID.fromString(text.strip());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("account", "--account must be an account id (a UUID)");
        }
    }

    static Mode mode(String text) {
        return Mode.fromWire(text.strip().toLowerCase(Locale.ROOT))
                .orElseThrow(() -> ApiException.invalid("mode", "--mode must be test or live"));
    }

    static Provider provider(String text) {
        if (text == null) {
            return Provider.SANDBOX;
        }
        return Provider.fromWire(text.strip().toLowerCase(Locale.ROOT)).orElseThrow(() -> ApiException.invalid("provider",
                "--provider must be one of sandbox, bluebubbles, twilio, whatsapp-cloud, kannel"));
    }

    static Set<ChannelType> channels(String text) {
        EnumSet<ChannelType> set = EnumSet.noneOf(ChannelType.class);
        for (String part : text.split(",")) {
            set.add(ChannelType.fromWire(part.strip().toLowerCase(Locale.ROOT)).orElseThrow(() ->
                    ApiException.invalid("channels", "--channels takes imessage, sms, whatsapp (comma-separated), got '"
                            + part.strip() + "'")));
        }
        return set;
    }

}
