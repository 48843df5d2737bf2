package dev.msgbubbles.account;

import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import java.util.EnumSet;
import java.util.Optional;

/**
 * First start on an empty database: creates the account {@code default} with the test-mode sandbox number
 * {@code +18005550100} (iMessage, SMS, WhatsApp) and returns its keys so that {@code serve} can print them
 * once. Safe when several processes start together: only the one whose insert wins gets the keys.
 */
public final class Bootstrap {
    public static final String DEFAULT_ACCOUNT = "default";
    public static final String SANDBOX_NUMBER = "+18005550100";

    private final Database db;
    private final AccountAdmin admin;
    private final NumberDirectory numbers;
    private final AccountStore accounts = new AccountStore();

    public Bootstrap(Database db, AccountAdmin admin, NumberDirectory numbers) {
        this.db = db;
        this.admin = admin;
        this.numbers = numbers;
    }

    /** The created account and keys, or empty when the database already had an account. */
    public Optional<CreatedAccount> ensureDefaultAccount() {
        if (db.read(accounts::count) > 0) {
            return Optional.empty();
        }
        return Optional.ofNullable(db.write(h -> {
            if (accounts.count(h) > 0) {
                return null;
            }
            CreatedAccount created = admin.createIn(h, DEFAULT_ACCOUNT);
            if (created == null) {
                return null;
            }
            var number = numbers.validate(new NumberDirectory.NewNumber(created.account().id(), SANDBOX_NUMBER,
                    EnumSet.allOf(ChannelType.class), Mode.TEST, Provider.SANDBOX, "sandbox"));
            if (!numbers.addIn(h, number)) {
                throw new IllegalStateException(SANDBOX_NUMBER + " is assigned although no account existed");
            }
            return created;
        }));
    }
}
