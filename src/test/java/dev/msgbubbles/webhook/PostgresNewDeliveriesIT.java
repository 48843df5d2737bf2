package dev.msgbubbles.webhook;

import dev.msgbubbles.support.TestStore;

class PostgresNewDeliveriesIT extends NewDeliveriesContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("newdeliveries");
    }
}
