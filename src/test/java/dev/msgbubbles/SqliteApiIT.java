package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqliteApiIT extends ApiEndToEndContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
