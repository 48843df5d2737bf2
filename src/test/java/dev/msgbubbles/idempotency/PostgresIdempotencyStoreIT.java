package dev.msgbubbles.idempotency;

import dev.msgbubbles.support.TestStore;

class PostgresIdempotencyStoreIT extends IdempotencyStoreContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("idempotency");
    }
}
