package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresMessagingIT extends MessagingEndToEndContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("messaging");
    }
}
