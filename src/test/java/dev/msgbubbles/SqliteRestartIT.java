package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqliteRestartIT extends RestartContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
