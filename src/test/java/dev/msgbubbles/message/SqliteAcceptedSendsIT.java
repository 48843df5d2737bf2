package dev.msgbubbles.message;

import dev.msgbubbles.support.TestStore;

class SqliteAcceptedSendsIT extends AcceptedSendsContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
