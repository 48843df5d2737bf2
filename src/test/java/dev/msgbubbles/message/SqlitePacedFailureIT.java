package dev.msgbubbles.message;

import dev.msgbubbles.support.TestStore;

class SqlitePacedFailureIT extends PacedFailureContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
