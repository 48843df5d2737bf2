package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqliteAttachmentsIT extends AttachmentsContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
