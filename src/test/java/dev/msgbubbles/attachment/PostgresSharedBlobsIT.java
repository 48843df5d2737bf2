package dev.msgbubbles.attachment;

import dev.msgbubbles.support.TestStore;

class PostgresSharedBlobsIT extends SharedBlobsContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("sharedblobs");
    }
}
