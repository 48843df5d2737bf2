package dev.msgbubbles;

import dev.msgbubbles.support.TestStore;

class PostgresGroupsIT extends GroupsContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("groups");
    }
}
