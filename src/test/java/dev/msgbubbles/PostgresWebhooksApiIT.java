package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresWebhooksApiIT extends WebhooksApiContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("webhooks");
    }
}
