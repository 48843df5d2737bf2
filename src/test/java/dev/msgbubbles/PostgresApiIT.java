package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresApiIT extends ApiEndToEndContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("api");
    }
}
