package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReactionRulesTest {

    @ParameterizedTest
    @ValueSource(strings = {"\uD83D\uDD25", "\u2764\uFE0F", "\uD83D\uDC4D\uD83C\uDFFD", "\uD83C\uDDFA\uD83C\uDDF8",
            "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67", "1\uFE0F\u20E3"})
    void one_emoji_including_modifiers_flags_and_zwj_sequences_is_a_reaction(String emoji) {
        assertThat(MessageActions.isSingleEmoji(emoji)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uD83D\uDD25\uD83D\uDD25", "a", "ok", "1", "love", "", " ", "\uD83D\uDD25 ", "#", "\u00E9"})
    void anything_else_is_not(String text) {
        assertThat(MessageActions.isSingleEmoji(text)).isFalse();
    }
}
