package dev.msgbubbles.event;

import dev.msgbubbles.support.TestStore;

class PostgresEventPurgeIT extends EventPurgeContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("eventpurge");
    }
}
