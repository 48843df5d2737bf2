package dev.msgbubbles.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.Secrets;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Accounts, keys, numbers and bootstrap against a real store; one subclass per store. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AccountsContract {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private TestStore store;
    private Database db;
    private AccountAdmin admin;
    private NumberDirectory numbers;
    private Authenticator auth;

    abstract TestStore newStore();

    @BeforeAll
    void open() {
        store = newStore();
        db = store.open();
        admin = new AccountAdmin(db, clock);
        numbers = new NumberDirectory(db, clock);
        auth = new Authenticator(db, clock);
    }

    @AfterAll
    void close() {
        db.close();
        store.close();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    private Principal authenticated(String key) {
        var result = auth.authenticate("Bearer " + key);
        assertThat(result).isInstanceOf(Authenticator.Result.Authenticated.class);
        return ((Authenticator.Result.Authenticated) result).principal();
    }

    private ErrorCode rejected(String header) {
        var result = auth.authenticate(header);
        assertThat(result).isInstanceOf(Authenticator.Result.Rejected.class);
        return ((Authenticator.Result.Rejected) result).code();
    }

    @Test
    void a_new_account_gets_a_test_and_a_live_key_that_authenticate_in_their_own_mode() {
        CreatedAccount created = admin.create(unique("acme"));
        assertThat(created.testKey().key()).startsWith("sk_test_").hasSize(48);
        assertThat(created.liveKey().key()).startsWith("sk_live_").hasSize(48);
        assertThat(authenticated(created.testKey().key()))
                .isEqualTo(new Principal(created.account().id(), Mode.TEST, created.testKey().id()));
        assertThat(authenticated(created.liveKey().key()).mode()).isEqualTo(Mode.LIVE);
    }

    @Test
    void keys_are_stored_only_as_a_sha256_hash() {
        CreatedAccount created = admin.create(unique("hash"));
        String key = created.testKey().key();
        List<String> stored = db.read(h -> h.createQuery(
                        "SELECT prefix || '|' || secret_hash FROM api_keys WHERE account_id = :a")
                .bind("a", created.account().id()).mapTo(String.class).list());
        assertThat(stored).hasSize(2).noneMatch(row -> row.contains(key));
        assertThat(stored).anyMatch(row -> row.equals(key.substring(0, 16) + "|" + Secrets.sha256Hex(key)));
    }

    @Test
    void account_names_are_unique_and_validated() {
        String name = unique("dup");
        admin.create(name);
        assertThatThrownBy(() -> admin.create(name)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        assertThatThrownBy(() -> admin.create("  ")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
        assertThatThrownBy(() -> admin.create("x".repeat(101))).isInstanceOf(ApiException.class);
    }

    @Test
    void malformed_unknown_and_revoked_keys_are_unauthorized() {
        CreatedAccount created = admin.create(unique("revoke"));
        String key = created.testKey().key();
        assertThat(rejected(null)).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(rejected("")).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(rejected("Basic " + key)).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(rejected("Bearer")).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(rejected("Bearer sk_prod_" + key.substring(8))).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(rejected("Bearer " + key.substring(0, 30))).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(rejected("Bearer " + key.substring(0, 47) + (key.endsWith("A") ? "B" : "A"))).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(rejected("Bearer " + key + "x".repeat(600))).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(authenticated(key)).isNotNull();

        assertThat(admin.revoke(key)).isEqualTo(key.substring(0, 16));
        clock.advance(Authenticator.CACHE_TTL.plusSeconds(1));
        assertThat(rejected("Bearer " + key)).isEqualTo(ErrorCode.UNAUTHORIZED);
        assertThat(authenticated(created.liveKey().key())).isNotNull();
    }

    @Test
    void a_lookup_the_gate_refuses_is_made_only_for_a_key_with_a_real_prefix() {
        CreatedAccount created = admin.create(unique("gate"));
        String used = "Bearer " + created.testKey().key();
        String neverUsed = "Bearer " + created.liveKey().key();
        String guess = "Bearer sk_test_" + "Q".repeat(40);
        String knownPrefixGuess = "Bearer " + created.testKey().key().substring(0, 16) + "Q".repeat(32);
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        java.util.function.BooleanSupplier overBudget = () -> {
            asked.incrementAndGet();
            return false;
        };
        assertThat(auth.authenticate(used)).isInstanceOf(Authenticator.Result.Authenticated.class);
        assertThat(auth.authenticate(used, overBudget)).as("in the cache: the gate is not asked")
                .isInstanceOf(Authenticator.Result.Authenticated.class);
        assertThat(asked).hasValue(0);

        clock.advance(Authenticator.CACHE_TTL.plusSeconds(1));
        assertThat(auth.authenticate(guess, overBudget)).as("a guess over budget costs no lookup")
                .isInstanceOf(Authenticator.Result.NotLookedUp.class);
        assertThat(asked).hasValue(1);
        assertThat(auth.authenticate(used, overBudget)).as("a real key is looked up all the same")
                .isInstanceOf(Authenticator.Result.Authenticated.class);
        assertThat(auth.authenticate(neverUsed, overBudget)).as("used or not")
                .isInstanceOf(Authenticator.Result.Authenticated.class);
        assertThat(auth.authenticate(knownPrefixGuess, overBudget)).as("a guess on a known prefix is looked up")
                .isInstanceOf(Authenticator.Result.Rejected.class);
        assertThat(auth.authenticate("Bearer nonsense", overBudget)).as("refused without a lookup anyway")
                .isInstanceOf(Authenticator.Result.Rejected.class);

        CreatedAccount later = admin.create(unique("gate-later"));
        clock.advance(Authenticator.CACHE_TTL);
        assertThat(auth.authenticate("Bearer " + later.testKey().key(), overBudget)).as("a key created since, within the TTL")
                .isInstanceOf(Authenticator.Result.Authenticated.class);
        admin.revoke(created.testKey().key());
        clock.advance(Authenticator.CACHE_TTL);
        assertThat(auth.authenticate(used, overBudget)).as("a revoked key is a guess like any other")
                .isInstanceOf(Authenticator.Result.NotLookedUp.class);
        assertThat(auth.authenticate(used)).isInstanceOf(Authenticator.Result.Rejected.class);
    }

    @Test
    void the_bearer_scheme_is_case_insensitive() {
        CreatedAccount created = admin.create(unique("scheme"));
        assertThat(auth.authenticate("bearer " + created.testKey().key()))
                .isInstanceOf(Authenticator.Result.Authenticated.class);
    }

    @Test
    void revoke_by_prefix_and_its_refusals() {
        CreatedAccount created = admin.create(unique("prefix"));
        String prefix = created.liveKey().prefix();
        assertThat(admin.revoke(prefix)).isEqualTo(prefix);
        assertThatThrownBy(() -> admin.revoke(prefix)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        assertThatThrownBy(() -> admin.revoke("sk_test_ZZZZZZZZ")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        assertThatThrownBy(() -> admin.revoke("sk_test_")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
        assertThatThrownBy(() -> admin.revoke(null)).isInstanceOf(ApiException.class);
    }

    @Test
    void a_suspended_account_is_forbidden_until_activated() {
        CreatedAccount created = admin.create(unique("suspend"));
        String header = "Bearer " + created.testKey().key();
        assertThat(admin.setStatus(created.account().id(), Account.Status.SUSPENDED).status())
                .isEqualTo(Account.Status.SUSPENDED);
        clock.advance(Authenticator.CACHE_TTL.plusSeconds(1));
        assertThat(rejected(header)).isEqualTo(ErrorCode.FORBIDDEN);
        admin.setStatus(created.account().id(), Account.Status.ACTIVE);
        clock.advance(Authenticator.CACHE_TTL.plusSeconds(1));
        assertThat(auth.authenticate(header)).isInstanceOf(Authenticator.Result.Authenticated.class);
        assertThatThrownBy(() -> admin.setStatus(UUID.randomUUID(), Account.Status.ACTIVE))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void a_revocation_and_a_suspension_count_within_the_cache_ttl_after_the_clock_steps_back() {
        // a clock of its own: the wall clock stepping back (an NTP correction, a resumed VM) must not stretch the
        // caches' 2 seconds into the size of the step, during which a revoked key or a suspended account still works
        MutableClock stepping = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
        Authenticator steppingAuth = new Authenticator(db, stepping);
        NumberDirectory steppingNumbers = new NumberDirectory(db, stepping);
        CreatedAccount revoked = admin.create(unique("step-revoke"));
        CreatedAccount suspended = admin.create(unique("step-suspend"));
        String revokedHeader = "Bearer " + revoked.testKey().key();
        String suspendedHeader = "Bearer " + suspended.testKey().key();
        assertThat(steppingAuth.authenticate(revokedHeader)).isInstanceOf(Authenticator.Result.Authenticated.class);
        Principal streaming = ((Authenticator.Result.Authenticated) steppingAuth.authenticate(suspendedHeader)).principal();
        assertThat(steppingAuth.stillValid(streaming)).isTrue();
        assertThat(steppingNumbers.accountActive(suspended.account().id())).isTrue();

        stepping.advance(java.time.Duration.ofHours(-1));
        // requests go on after the step (a server is busy), served from the caches as before
        assertThat(steppingAuth.authenticate(revokedHeader)).isInstanceOf(Authenticator.Result.Authenticated.class);
        assertThat(steppingAuth.authenticate(suspendedHeader)).isInstanceOf(Authenticator.Result.Authenticated.class);
        assertThat(steppingAuth.stillValid(streaming)).isTrue();
        assertThat(steppingNumbers.accountActive(suspended.account().id())).isTrue();
        admin.revoke(revoked.testKey().key());
        admin.setStatus(suspended.account().id(), Account.Status.SUSPENDED);
        stepping.advance(Authenticator.CACHE_TTL.plusSeconds(1));

        var afterRevocation = steppingAuth.authenticate(revokedHeader);
        assertThat(afterRevocation).isInstanceOf(Authenticator.Result.Rejected.class);
        assertThat(((Authenticator.Result.Rejected) afterRevocation).code()).isEqualTo(ErrorCode.UNAUTHORIZED);
        var afterSuspension = steppingAuth.authenticate(suspendedHeader);
        assertThat(afterSuspension).isInstanceOf(Authenticator.Result.Rejected.class);
        assertThat(((Authenticator.Result.Rejected) afterSuspension).code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(steppingAuth.stillValid(streaming)).isFalse();
        assertThat(steppingNumbers.accountActive(suspended.account().id())).isFalse();
    }

    @Test
    void issuing_a_key_for_an_unknown_account_is_not_found() {
        assertThatThrownBy(() -> admin.issueKey(UUID.randomUUID(), Mode.TEST))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
        CreatedAccount created = admin.create(unique("extra"));
        IssuedKey extra = admin.issueKey(created.account().id(), Mode.LIVE);
        assertThat(authenticated(extra.key()).mode()).isEqualTo(Mode.LIVE);
    }

    private final java.util.concurrent.atomic.AtomicInteger sequence = new java.util.concurrent.atomic.AtomicInteger(1000);

    /** A valid, never-repeated US number in this store. */
    private String freshHandle() {
        return "+1415555" + sequence.getAndIncrement();
    }

    @Test
    void numbers_are_listed_per_account_and_mode() {
        CreatedAccount a = admin.create(unique("numbers-a"));
        CreatedAccount b = admin.create(unique("numbers-b"));
        String testHandle = freshHandle();
        String liveHandle = freshHandle();
        numbers.add(new NumberDirectory.NewNumber(a.account().id(), testHandle, EnumSet.of(ChannelType.SMS, ChannelType.IMESSAGE),
                Mode.TEST, Provider.SANDBOX, "support line"));
        numbers.add(new NumberDirectory.NewNumber(a.account().id(), liveHandle, EnumSet.of(ChannelType.WHATSAPP),
                Mode.LIVE, Provider.WHATSAPP_CLOUD, null));

        List<AccountNumber> aTest = numbers.list(new Principal(a.account().id(), Mode.TEST, a.testKey().id()));
        assertThat(aTest).singleElement().satisfies(n -> {
            assertThat(n.handle()).isEqualTo(testHandle);
            assertThat(n.channels()).containsExactly(ChannelType.IMESSAGE, ChannelType.SMS);
            assertThat(n.label()).isEqualTo("support line");
            assertThat(n.status()).isEqualTo(AccountNumber.Status.ONLINE);
        });
        assertThat(numbers.list(new Principal(a.account().id(), Mode.LIVE, a.liveKey().id())))
                .extracting(AccountNumber::handle).containsExactly(liveHandle);
        assertThat(numbers.list(new Principal(b.account().id(), Mode.TEST, b.testKey().id()))).isEmpty();
    }

    @Test
    void a_handle_belongs_to_one_account_only() {
        CreatedAccount a = admin.create(unique("owner"));
        CreatedAccount b = admin.create(unique("intruder"));
        String handle = freshHandle();
        numbers.add(new NumberDirectory.NewNumber(a.account().id(), handle, EnumSet.of(ChannelType.SMS), Mode.TEST,
                Provider.SANDBOX, null));
        assertThatThrownBy(() -> numbers.add(new NumberDirectory.NewNumber(b.account().id(), handle,
                EnumSet.of(ChannelType.SMS), Mode.LIVE, Provider.TWILIO, null)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
    }

    @Test
    void number_input_is_validated() {
        UUID account = admin.create(unique("validate")).account().id();
        assertThatThrownBy(() -> numbers.add(new NumberDirectory.NewNumber(account, "555-0100", EnumSet.of(ChannelType.SMS),
                Mode.TEST, Provider.SANDBOX, null)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_HANDLE));
        assertThatThrownBy(() -> numbers.add(new NumberDirectory.NewNumber(account, "alice@example.com",
                EnumSet.of(ChannelType.IMESSAGE), Mode.TEST, Provider.SANDBOX, null)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_HANDLE));
        assertThatThrownBy(() -> numbers.add(new NumberDirectory.NewNumber(account, freshHandle(),
                EnumSet.noneOf(ChannelType.class), Mode.TEST, Provider.SANDBOX, null)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).contains("channels"));
        assertThatThrownBy(() -> numbers.add(new NumberDirectory.NewNumber(account, freshHandle(),
                EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.TWILIO, null)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).contains("provider"));
        assertThatThrownBy(() -> numbers.add(new NumberDirectory.NewNumber(account, freshHandle(),
                EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX, "bad\nlabel")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.param()).contains("label"));
        assertThatThrownBy(() -> numbers.add(new NumberDirectory.NewNumber(UUID.randomUUID(), freshHandle(),
                EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX, null)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void a_number_can_be_set_offline_and_back_online() {
        UUID account = admin.create(unique("status")).account().id();
        String handle = freshHandle();
        numbers.add(new NumberDirectory.NewNumber(account, handle, EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX, null));
        assertThat(numbers.setStatus(handle, AccountNumber.Status.OFFLINE).status()).isEqualTo(AccountNumber.Status.OFFLINE);
        assertThat(numbers.setStatus(handle, AccountNumber.Status.ONLINE).status()).isEqualTo(AccountNumber.Status.ONLINE);
        assertThatThrownBy(() -> numbers.setStatus("+19995550000", AccountNumber.Status.ONLINE)).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> numbers.setStatus("nope", AccountNumber.Status.ONLINE))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_HANDLE));
    }

    @Test
    void bootstrap_creates_the_default_account_once_even_when_processes_race() throws Exception {
        // A store of its own: bootstrap only acts on an empty database.
        try (TestStore fresh = newStore(); Database freshDb = fresh.open()) {
            AccountAdmin freshAdmin = new AccountAdmin(freshDb, clock);
            NumberDirectory freshNumbers = new NumberDirectory(freshDb, clock);
            int racers = 6;
            CyclicBarrier start = new CyclicBarrier(racers);
            List<Future<Optional<CreatedAccount>>> results = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(racers)) {
                for (int i = 0; i < racers; i++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return new Bootstrap(freshDb, freshAdmin, freshNumbers).ensureDefaultAccount();
                    }));
                }
                List<CreatedAccount> created = new ArrayList<>();
                for (var result : results) {
                    result.get().ifPresent(created::add);
                }
                assertThat(created).hasSize(1);
                CreatedAccount account = created.getFirst();
                assertThat(account.account().name()).isEqualTo(Bootstrap.DEFAULT_ACCOUNT);
                assertThat(freshNumbers.list(new Principal(account.account().id(), Mode.TEST, account.testKey().id())))
                        .singleElement().satisfies(n -> {
                            assertThat(n.handle()).isEqualTo("+18005550100");
                            assertThat(n.channels()).containsExactly(ChannelType.IMESSAGE, ChannelType.SMS, ChannelType.WHATSAPP);
                            assertThat(n.provider()).isEqualTo(Provider.SANDBOX);
                        });
                assertThat(new Bootstrap(freshDb, freshAdmin, freshNumbers).ensureDefaultAccount()).isEmpty();
                assertThat(freshAdmin.list()).hasSize(1);
            }
        }
    }

    @Test
    void a_status_change_made_by_another_process_shows_within_the_cache_ttl() {
        UUID account = admin.create(unique("cache")).account().id();
        String handle = freshHandle();
        numbers.add(new NumberDirectory.NewNumber(account, handle, EnumSet.of(ChannelType.SMS), Mode.TEST, Provider.SANDBOX, null));
        assertThat(numbers.owned(account, Mode.TEST, handle)).hasValueSatisfying(n ->
                assertThat(n.status()).isEqualTo(AccountNumber.Status.ONLINE));
        new NumberDirectory(db, clock).setStatus(handle, AccountNumber.Status.OFFLINE); // e.g. admin in another process
        assertThat(numbers.owned(account, Mode.TEST, handle)).hasValueSatisfying(n ->
                assertThat(n.status()).isEqualTo(AccountNumber.Status.ONLINE));
        clock.advance(NumberDirectory.CACHE_TTL.plusMillis(1));
        assertThat(numbers.owned(account, Mode.TEST, handle)).hasValueSatisfying(n ->
                assertThat(n.status()).isEqualTo(AccountNumber.Status.OFFLINE));
        assertThat(numbers.owned(account, Mode.LIVE, handle)).isEmpty();
        assertThat(numbers.owned(UUID.randomUUID(), Mode.TEST, handle)).isEmpty();
    }
}
