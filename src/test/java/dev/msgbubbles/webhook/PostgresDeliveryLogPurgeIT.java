package dev.msgbubbles.webhook;

import dev.msgbubbles.support.TestStore;

class PostgresDeliveryLogPurgeIT extends DeliveryLogPurgeContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("deliverypurge");
    }
}
