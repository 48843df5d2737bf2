package dev.msgbubbles.webhook;

import dev.msgbubbles.support.TestStore;

class PostgresReplayBacklogIT extends ReplayBacklogContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("replay_backlog");
    }
}
