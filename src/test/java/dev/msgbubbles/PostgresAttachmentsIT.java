package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresAttachmentsIT extends AttachmentsContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("attachments");
    }
}
