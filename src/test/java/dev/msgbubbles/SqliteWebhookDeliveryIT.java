package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqliteWebhookDeliveryIT extends WebhookDeliveryContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
