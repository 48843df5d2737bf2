package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqliteActionsAndInboundIT extends ActionsAndInboundContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
