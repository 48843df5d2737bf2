package dev.msgbubbles.account;

import dev.msgbubbles.support.TestStore;

class SqliteAccountsIT extends AccountsContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
