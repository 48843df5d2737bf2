package dev.msgbubbles.message;

import dev.msgbubbles.support.TestStore;

class PostgresAcceptedSendsIT extends AcceptedSendsContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("acceptedsends");
    }
}
