package dev.msgbubbles.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.support.TestStore;
import org.junit.jupiter.api.Test;

class PostgresGroupCommitIT extends GroupCommitContract {
    private static final LastWrites.FromValues SET_N = new LastWrites.FromValues(
            "UPDATE probe AS p SET n = v.n FROM (VALUES", "(?, ?::int)", ") AS v (id, n) WHERE p.id = v.id AND p.n = 0",
            null);

    @Override
    TestStore newStore() {
        return TestStore.postgres("groupcommit");
    }

    @Test
    void updates_from_values_wait_for_the_end_and_a_key_given_twice_finds_its_first_change_made() {
        db.writeVoid(h -> h.execute("INSERT INTO probe (id, n) SELECT 'p' || g, 0 FROM generate_series(1, 300) g"));
        db.writeVoid(h -> {
            for (int i = 1; i <= 300; i++) { // a chunk of 256 and smaller ones
                LastWrites.updateFrom(h, SET_N, "p" + i, null, "p" + i, i);
            }
            assertThat(h.createQuery("SELECT COUNT(*) FROM probe WHERE n <> 0").mapTo(Long.class).one()).isZero();
            // the second row for p1 comes after the first is made, so its guard (n = 0) keeps it out
            LastWrites.updateFrom(h, SET_N, "p1", null, "p1", 999);
            assertThat(h.createQuery("SELECT n FROM probe WHERE id = 'p300'").mapTo(Long.class).one()).isEqualTo(300);
            LastWrites.updateFrom(h, SET_N, "p301", null, "p301", 1); // no such row: nothing
        });
        assertThat(count("SELECT COUNT(*) FROM probe WHERE n = CAST(substr(id, 2) AS int)")).isEqualTo(300);
        assertThat(count("SELECT n FROM probe WHERE id = 'p1'")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM probe")).isEqualTo(300);
    }
}
