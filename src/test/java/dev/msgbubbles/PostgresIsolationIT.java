package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresIsolationIT extends IsolationContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("isolation");
    }
}
