package dev.msgbubbles.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Where a SQLite store's side file goes: beside the store, named after it. */
class SideFileTest {

    @Test
    void the_side_file_is_named_after_the_store_beside_it() {
        assertThat(Database.sideFile("jdbc:sqlite:/var/lib/mb/msgbubbles.db")).isEqualTo(Path.of("/var/lib/mb/msgbubbles-threads.db"));
        assertThat(Database.sideFile("jdbc:sqlite:/data/store")).isEqualTo(Path.of("/data/store-threads"));
        assertThat(Database.sideFile("jdbc:sqlite:/data/a.b.sqlite")).isEqualTo(Path.of("/data/a.b-threads.sqlite"));
        assertThat(Database.sideFile("jdbc:sqlite:/data/.hidden")).isEqualTo(Path.of("/data/.hidden-threads"));
        assertThat(Database.sideFile("jdbc:sqlite:rel/x.db")).isEqualTo(Path.of("rel/x-threads.db").toAbsolutePath());
    }

    @Test
    void a_file_uri_gives_its_path_without_the_query() {
        assertThat(Database.sideFile("jdbc:sqlite:file:/data/x.db?cache=private")).isEqualTo(Path.of("/data/x-threads.db"));
        assertThat(Database.sideFile("jdbc:sqlite:file:///data/x.db")).isEqualTo(Path.of("/data/x-threads.db"));
    }

    @Test
    void a_store_in_memory_has_no_side_file_and_is_refused() {
        assertThatThrownBy(() -> Database.sideFile("jdbc:sqlite::memory:")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Database.sideFile("jdbc:sqlite:file:x?mode=memory")).isInstanceOf(IllegalArgumentException.class);
    }
}
