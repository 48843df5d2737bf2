package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqliteFuzzIT extends FuzzContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
