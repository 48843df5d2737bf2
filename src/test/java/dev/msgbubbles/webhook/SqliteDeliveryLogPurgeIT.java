package dev.msgbubbles.webhook;

import dev.msgbubbles.support.TestStore;

class SqliteDeliveryLogPurgeIT extends DeliveryLogPurgeContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
