package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresCrashIT extends CrashContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("crash");
    }
}
