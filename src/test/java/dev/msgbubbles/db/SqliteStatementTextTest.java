package dev.msgbubbles.db;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What SQLite is given to prepare: a bare {@code LIMIT ?} hidden behind a unary plus, nothing else changed. */
class SqliteStatementTextTest {
    @Test
    void a_limit_parameter_gets_a_unary_plus() {
        assertThat(Sql.sqliteText("SELECT id FROM t WHERE a = ? ORDER BY id LIMIT ?"))
                .isEqualTo("SELECT id FROM t WHERE a = ? ORDER BY id LIMIT +?");
        assertThat(Sql.sqliteText("SELECT seq FROM (SELECT seq FROM jobs\n  limit\t?) UNION ALL SELECT 1 LIMIT ?"))
                .isEqualTo("SELECT seq FROM (SELECT seq FROM jobs\n  LIMIT +?) UNION ALL SELECT 1 LIMIT +?");
    }

    @Test
    void literal_limits_other_parameters_and_rewritten_text_stay_as_they_are() {
        String literal = "SELECT 1 FROM attachments WHERE sha256 = ? LIMIT 1";
        assertThat(Sql.sqliteText(literal)).isEqualTo(literal);
        assertThat(Sql.sqliteText("SELECT x FROM t LIMIT +?")).isEqualTo("SELECT x FROM t LIMIT +?");
        String named = "SELECT ratelimit FROM t WHERE x = ?";
        assertThat(Sql.sqliteText(named)).isEqualTo(named);
    }
}
