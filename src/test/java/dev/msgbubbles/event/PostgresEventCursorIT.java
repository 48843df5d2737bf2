package dev.msgbubbles.event;

import dev.msgbubbles.support.TestStore;

class PostgresEventCursorIT extends EventCursorContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("eventcursor");
    }
}
