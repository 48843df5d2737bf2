package dev.msgbubbles.message;

import dev.msgbubbles.support.TestStore;

class SqliteNumberPacingIT extends NumberPacingContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
