package dev.msgbubbles.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Which failures mean the store went away under the work (answered 503) rather than a fault of the work (500). */
class BrokenConnectionTest {
    @Test
    void connection_states_anywhere_in_the_causes_count_and_others_do_not() {
        assertThat(Database.brokenConnection(new SQLException("I/O error", "08006"))).isTrue();
        assertThat(Database.brokenConnection(new IllegalStateException(new RuntimeException(
                new SQLException("terminating connection due to administrator command", "57P01"))))).isTrue();
        assertThat(Database.brokenConnection(new SQLException("the database system is starting up", "57P03"))).isTrue();

        assertThat(Database.brokenConnection(new SQLException("duplicate key", "23505"))).isFalse();
        assertThat(Database.brokenConnection(new SQLException("canceling statement due to statement timeout", "57014")))
                .isFalse();
        assertThat(Database.brokenConnection(new SQLException("no state"))).isFalse();
        assertThat(Database.brokenConnection(new IllegalArgumentException("not SQL at all"))).isFalse();
    }
}
