package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresActionsAndInboundIT extends ActionsAndInboundContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("actions");
    }
}
