package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresPacingIT extends PacingContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("pacing");
    }
}
