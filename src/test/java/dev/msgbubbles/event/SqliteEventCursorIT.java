package dev.msgbubbles.event;

import dev.msgbubbles.support.TestStore;

class SqliteEventCursorIT extends EventCursorContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
