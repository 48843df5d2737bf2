package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqliteShutdownIT extends ShutdownContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
