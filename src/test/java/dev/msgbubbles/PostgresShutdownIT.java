package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresShutdownIT extends ShutdownContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("shutdown");
    }
}
