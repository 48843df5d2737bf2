package dev.msgbubbles.attachment;

import dev.msgbubbles.support.TestStore;

class SqlitePresignedExpiryIT extends PresignedExpiryContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
