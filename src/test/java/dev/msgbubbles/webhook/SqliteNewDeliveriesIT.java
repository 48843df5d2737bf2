package dev.msgbubbles.webhook;

import dev.msgbubbles.support.TestStore;

class SqliteNewDeliveriesIT extends NewDeliveriesContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
