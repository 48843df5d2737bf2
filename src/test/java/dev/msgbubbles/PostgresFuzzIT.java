package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresFuzzIT extends FuzzContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("fuzz");
    }
}
