package dev.msgbubbles.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** IN-list values padded to a power of two with the last key, so few distinct statements are prepared. */
class PaddedKeysTest {
    @Test
    void sizes_round_up_to_a_power_of_two_repeating_the_last_key() {
        assertThat(Sql.paddedKeys(List.of("a"))).containsExactly("a");
        assertThat(Sql.paddedKeys(List.of("a", "b"))).containsExactly("a", "b");
        assertThat(Sql.paddedKeys(List.of("a", "b", "c"))).containsExactly("a", "b", "c", "c");
        assertThat(Sql.paddedKeys(List.of(1, 2, 3, 4, 5))).containsExactly(1, 2, 3, 4, 5, 5, 5, 5);
        assertThat(Sql.paddedKeys(java.util.Collections.nCopies(256, 7L))).hasSize(256);
        assertThat(Sql.paddedKeys(java.util.Collections.nCopies(257, 7L))).hasSize(512);
    }

    @Test
    void an_empty_list_is_refused() {
        assertThatThrownBy(() -> Sql.paddedKeys(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
