package dev.msgbubbles.webhook;

import dev.msgbubbles.support.TestStore;

class PostgresEndpointDisablingIT extends EndpointDisablingContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("disabling");
    }
}
