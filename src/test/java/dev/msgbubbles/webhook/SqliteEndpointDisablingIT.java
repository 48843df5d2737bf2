package dev.msgbubbles.webhook;

import dev.msgbubbles.support.TestStore;

class SqliteEndpointDisablingIT extends EndpointDisablingContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
