package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqlitePacingIT extends PacingContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
