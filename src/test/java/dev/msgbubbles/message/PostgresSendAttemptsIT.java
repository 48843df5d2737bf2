package dev.msgbubbles.message;

import dev.msgbubbles.support.TestStore;

class PostgresSendAttemptsIT extends SendAttemptsContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("sendattempts");
    }
}
