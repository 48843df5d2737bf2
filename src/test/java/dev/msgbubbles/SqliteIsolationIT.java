package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqliteIsolationIT extends IsolationContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
