package dev.msgbubbles.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatabaseTargetTest {

    private static DatabaseTarget parsed(String url) {
        Optional<DatabaseTarget> target = DatabaseTarget.parse(url);
        assertThat(target).as("parse(%s)", url).isPresent();
        return target.get();
    }

    @Test
    void postgresql_url_becomes_jdbc_url_user_and_no_password() {
        DatabaseTarget db = parsed("postgresql://postgres@127.0.0.1:5432/db");

        assertThat(db.kind()).isEqualTo(DatabaseTarget.Kind.POSTGRESQL);
        assertThat(db.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/db");
        assertThat(db.user()).isEqualTo("postgres");
        assertThat(db.password()).isNull();
        assertThat(db.display()).isEqualTo("postgresql://postgres@127.0.0.1:5432/db");
    }

    @Test
    void password_is_extracted_but_never_displayed() {
        DatabaseTarget db = parsed("postgresql://app:s3cr%40t-pw@db.internal:6543/msg");

        assertThat(db.user()).isEqualTo("app");
        assertThat(db.password()).as("percent-decoded").isEqualTo("s3cr@t-pw");
        assertThat(db.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/msg").doesNotContain("s3cr");
        assertThat(db.display()).doesNotContain("s3cr").contains("app:***@");
        assertThat(db.toString()).doesNotContain("s3cr");
    }

    @Test
    void password_given_through_the_environment_is_not_in_the_loaded_config_display() {
        DatabaseTarget db = ConfigLoader.load(Map.of("MSGBUBBLES_DATABASE_URL", "postgresql://postgres:topsecret@127.0.0.1:5432/db"))
                .storage().database();

        assertThat(db.password()).isEqualTo("topsecret");
        assertThat(db.display()).doesNotContain("topsecret");
        assertThat(db.toString()).doesNotContain("topsecret");
    }

    @Test
    void postgres_scheme_is_an_alias_for_postgresql() {
        DatabaseTarget db = parsed("postgres://postgres@127.0.0.1:5432/db");

        assertThat(db.kind()).isEqualTo(DatabaseTarget.Kind.POSTGRESQL);
        assertThat(db.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/db");
        assertThat(db.user()).isEqualTo("postgres");
    }

    @Test
    void port_defaults_to_5432_when_omitted() {
        DatabaseTarget db = parsed("postgresql://postgres@db.internal/db");

        assertThat(db.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:5432/db");
    }

    @Test
    void url_without_user_info_has_no_user() {
        DatabaseTarget db = parsed("postgresql://localhost/db");

        assertThat(db.user()).isNull();
        assertThat(db.password()).isNull();
        assertThat(db.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/db");
    }

    @Test
    void query_parameters_are_kept_in_the_jdbc_url() {
        DatabaseTarget db = parsed("postgresql://postgres@127.0.0.1:5432/db?sslmode=require&connectTimeout=5");

        assertThat(db.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/db?sslmode=require&connectTimeout=5");
    }

    @Test
    void jdbc_postgresql_url_passes_through_with_password_parameter_masked_in_display() {
        String url = "jdbc:postgresql://127.0.0.1:5432/db?user=postgres&password=hunter2&ssl=false";
        DatabaseTarget db = parsed(url);

        assertThat(db.kind()).isEqualTo(DatabaseTarget.Kind.POSTGRESQL);
        assertThat(db.jdbcUrl()).isEqualTo(url);
        assertThat(db.display()).doesNotContain("hunter2").contains("password=***").contains("ssl=false");
    }

    @Test
    void sqlite_path_becomes_a_jdbc_sqlite_url() {
        DatabaseTarget db = parsed("sqlite:/tmp/x.db");

        assertThat(db.kind()).isEqualTo(DatabaseTarget.Kind.SQLITE);
        assertThat(db.jdbcUrl()).isEqualTo("jdbc:sqlite:/tmp/x.db");
        assertThat(db.user()).isNull();
    }

    @Test
    void relative_sqlite_path_is_made_absolute() {
        DatabaseTarget db = parsed("sqlite:rel/x.db");

        assertThat(db.jdbcUrl()).isEqualTo("jdbc:sqlite:" + Path.of("rel/x.db").toAbsolutePath().normalize());
    }

    @Test
    void jdbc_sqlite_url_passes_through() {
        DatabaseTarget db = parsed("jdbc:sqlite:/tmp/x.db");

        assertThat(db.kind()).isEqualTo(DatabaseTarget.Kind.SQLITE);
        assertThat(db.jdbcUrl()).isEqualTo("jdbc:sqlite:/tmp/x.db");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "mysql://x",
            "postgresql://postgres@127.0.0.1:5432",
            "postgresql://postgres@127.0.0.1:5432/",
            "postgresql://postgres@127.0.0.1:5432/db/extra",
            "postgresql:///db",
            "postgresql://bad host/db",
            "postgresql://postgres@127.0.0.1:99999/db",
            "postgresql://postgres@127.0.0.1:0/db",
            "jdbc:postgresql://127.0.0.1:99999/db",
            "sqlite:",
            "jdbc:sqlite:",
            "jdbc:sqlite::memory:",
            "sqlite::memory:",
            "jdbc:sqlite:file:x?mode=memory&cache=shared",
            "http://example.com/db",
    })
    void unsupported_or_incomplete_urls_are_not_parsed(String url) {
        assertThat(DatabaseTarget.parse(url)).isEmpty();
    }
}
