package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqliteCrashIT extends CrashContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
