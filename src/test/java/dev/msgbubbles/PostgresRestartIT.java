package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresRestartIT extends RestartContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("restart");
    }
}
