package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqliteWebhookFairnessIT extends WebhookFairnessContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
