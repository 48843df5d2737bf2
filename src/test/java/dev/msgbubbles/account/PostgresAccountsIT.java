package dev.msgbubbles.account;

import dev.msgbubbles.support.TestStore;

class PostgresAccountsIT extends AccountsContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("accounts");
    }
}
