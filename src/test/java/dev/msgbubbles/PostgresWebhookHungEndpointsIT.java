package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresWebhookHungEndpointsIT extends WebhookHungEndpointsContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("hung");
    }
}
