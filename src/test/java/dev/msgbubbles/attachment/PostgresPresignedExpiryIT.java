package dev.msgbubbles.attachment;

import dev.msgbubbles.support.TestStore;

class PostgresPresignedExpiryIT extends PresignedExpiryContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("presignedexpiry");
    }
}
