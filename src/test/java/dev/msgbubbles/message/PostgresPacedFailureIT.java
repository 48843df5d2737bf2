package dev.msgbubbles.message;

import dev.msgbubbles.support.TestStore;

class PostgresPacedFailureIT extends PacedFailureContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("pacedfailure");
    }
}
