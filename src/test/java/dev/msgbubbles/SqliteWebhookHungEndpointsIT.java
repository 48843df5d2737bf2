package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqliteWebhookHungEndpointsIT extends WebhookHungEndpointsContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
