package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqliteWebhooksApiIT extends WebhooksApiContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
