package dev.msgbubbles.message;

import dev.msgbubbles.support.TestStore;

class SqliteHeldSendsIT extends HeldSendsContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
