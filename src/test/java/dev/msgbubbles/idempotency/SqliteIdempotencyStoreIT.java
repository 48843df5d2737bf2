package dev.msgbubbles.idempotency;

import dev.msgbubbles.support.TestStore;

class SqliteIdempotencyStoreIT extends IdempotencyStoreContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
