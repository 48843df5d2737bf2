package dev.msgbubbles.attachment;

import dev.msgbubbles.support.TestStore;

class SqliteSharedBlobsIT extends SharedBlobsContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
