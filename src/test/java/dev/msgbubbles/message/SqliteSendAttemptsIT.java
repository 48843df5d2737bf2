package dev.msgbubbles.message;

import dev.msgbubbles.support.TestStore;

class SqliteSendAttemptsIT extends SendAttemptsContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
