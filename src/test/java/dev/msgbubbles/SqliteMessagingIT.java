package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqliteMessagingIT extends MessagingEndToEndContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
