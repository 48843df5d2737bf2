package dev.msgbubbles.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.support.TestStore;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostgresDatabaseIT extends DatabaseContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("database");
    }

    @Override
    Dialect expectedDialect() {
        return Dialect.POSTGRESQL;
    }

    @Test
    void write_transactions_run_at_read_committed_as_the_pool_sets_it() {
        String level = db.write(h -> h.createQuery("SHOW transaction_isolation").mapTo(String.class).one());
        assertThat(level).isEqualTo("read committed");
    }

    @Test
    void rows_updated_soon_after_they_are_written_have_room_left_on_their_page() {
        List<String> options = db.read(h -> h.createQuery("SELECT c.relname || ':' || array_to_string(c.reloptions, ',') "
                + "FROM pg_class c WHERE c.relname IN ('messages', 'webhook_deliveries', 'jobs', 'delivery_jobs') "
                + "AND c.relnamespace = to_regnamespace(current_schema()) ORDER BY c.relname").mapTo(String.class).list());
        assertThat(options).containsExactly("delivery_jobs:fillfactor=50", "jobs:fillfactor=50", "messages:fillfactor=30",
                "webhook_deliveries:fillfactor=70");
    }

    @Test
    void each_event_writes_two_index_entries_its_cursor_and_its_account_s_stream_position() {
        List<String> indexes = db.read(h -> h.createQuery("SELECT indexdef FROM pg_indexes WHERE tablename = 'events' "
                + "AND schemaname = current_schema() ORDER BY indexname").mapTo(String.class).list());
        assertThat(indexes).hasSize(2);
        assertThat(indexes.get(0)).contains("(account_id, mode, cursor)");
        assertThat(indexes.get(1)).contains("UNIQUE INDEX events_pkey").contains("(cursor)");
    }
}
