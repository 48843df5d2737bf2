package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class SqliteGroupsIT extends GroupsContract {
    @Override
    TestStore newStore() {
        return TestStore.sqlite();
    }
}
