package dev.msgbubbles.message;

import dev.msgbubbles.support.TestStore;

class PostgresHeldSendsIT extends HeldSendsContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("heldsends");
    }
}
