package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresWebhookDeliveryIT extends WebhookDeliveryContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("deliveries");
    }
}
