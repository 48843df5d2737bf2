package dev.msgbubbles.webhook;

import dev.msgbubbles.support.TestStore;

class SqliteReplayBacklogIT extends ReplayBacklogContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
