package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresWebhookFairnessIT extends WebhookFairnessContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("fairness");
    }
}
