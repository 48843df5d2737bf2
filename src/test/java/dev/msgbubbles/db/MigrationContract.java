package dev.msgbubbles.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.msgbubbles.config.DatabaseTarget;
import dev.msgbubbles.support.TestStore;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Migrations that move data keep it: a store at an earlier version is brought up with its rows intact. */
abstract class MigrationContract {
    private TestStore store;

    abstract TestStore newStore();

    abstract Dialect dialect();

    @BeforeEach
    void open() {
        store = newStore();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private Flyway flyway(String target) {
        DatabaseTarget db = store.config(Map.of()).storage().database();
        if (db.kind() == DatabaseTarget.Kind.SQLITE) {
            java.nio.file.Path file = java.nio.file.Path.of(db.jdbcUrl().substring("jdbc:sqlite:".length()));
            file.toAbsolutePath().getParent().toFile().mkdirs();
        }
        return Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password())
                .locations(dialect().migrationLocation()).target(target).load();
    }

    @Test
    void a_schema_migrated_by_a_newer_version_makes_a_running_process_unready_and_a_starting_one_refuse() {
        org.flywaydb.core.api.MigrationInfo[] known = flyway("latest").info().all();
        String latest = known[known.length - 1].getVersion().getVersion();
        try (Database db = store.open()) {
            java.util.concurrent.atomic.AtomicInteger stops = new java.util.concurrent.atomic.AtomicInteger();
            SchemaWatch watch = new SchemaWatch(db, java.time.Duration.ofHours(1), stops::incrementAndGet);
            assertThat(db.ready()).isTrue();
            assertThat(db.migratedByNewerVersion()).isFalse();
            assertThat(watch.check()).isFalse();
            // a newer version starts on the same database and applies its migration
            db.writeVoid(h -> h.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, "
                    + "script, checksum, installed_by, execution_time, success) VALUES (999, '999', 'from the future', "
                    + "'SQL', 'V999__from_the_future.sql', 0, 'test', 0, ?)", true));
            assertThat(db.ready()).isFalse();
            assertThat(db.migratedByNewerVersion()).isTrue();
            assertThat(watch.check()).isTrue();
            assertThat(watch.check()).isTrue();
            assertThat(stops).as("the watch stops the process once").hasValue(1);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(store::open)
                .isInstanceOf(Database.NewerSchemaException.class)
                .hasMessageContaining("schema version 999").hasMessageContaining("knows up to " + latest);
    }

    @Test
    void v4_moves_each_messages_timeline_rows_onto_the_message_in_order() throws Exception {
        flyway("3").migrate();
        String account = UUID.randomUUID().toString();
        String thread = UUID.randomUUID().toString();
        String withSteps = UUID.randomUUID().toString();
        String withoutSteps = UUID.randomUUID().toString();
        String cast = dialect() == Dialect.POSTGRESQL ? "::uuid" : "";
        Flyway at3 = flyway("3");
        try (var connection = at3.getConfiguration().getDataSource().getConnection();
             var statement = connection.createStatement()) {
            statement.execute("INSERT INTO accounts (id, name, status, created_at, updated_at) VALUES ('" + account + "'"
                    + cast + ", 'acme', 'active', 1, 1)");
            statement.execute("INSERT INTO conversations (id, account_id, mode, from_handle, remote_handle, created_at, "
                    + "updated_at) VALUES ('" + thread + "'" + cast + ", '" + account + "'" + cast
                    + ", 'test', '+18005550100', '+14155550123', 1, 1)");
            for (String id : new String[] {withSteps, withoutSteps}) {
                statement.execute("INSERT INTO messages (id, account_id, mode, conversation_id, direction, status, "
                        + "from_handle, to_handle, body, created_at, updated_at) VALUES ('" + id + "'" + cast + ", '"
                        + account + "'" + cast + ", 'test', '" + thread + "'" + cast
                        + ", 'outbound', 'sent', '+18005550100', '+14155550123', 'hi', 1, 2)");
            }
            // inserted out of order on purpose: seq, not insertion time, is the order
            statement.execute("INSERT INTO message_timeline (seq, message_id, status, channel, detail, at) VALUES "
                    + "(2, '" + withSteps + "'" + cast + ", 'sent', 'sms', 'fallback from imessage: \"quoted\"', 2000), "
                    + "(1, '" + withSteps + "'" + cast + ", 'queued', NULL, NULL, 1000)");
        }

        flyway("latest").migrate();

        try (Database db = store.open()) {
            Map<String, String> timelines = db.read(h -> h.createQuery("SELECT id, timeline FROM messages")
                    .map((rs, ctx) -> Map.entry(rs.getString("id"), rs.getString("timeline"))).list())
                    .stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            JsonNode steps = new ObjectMapper().readTree(timelines.get(withSteps));
            assertThat(steps).hasSize(2);
            assertThat(steps.get(0).path("status").asText()).isEqualTo("queued");
            assertThat(steps.get(0).path("channel").isNull()).isTrue();
            assertThat(steps.get(0).path("at").asLong()).isEqualTo(1000);
            assertThat(steps.get(1).path("status").asText()).isEqualTo("sent");
            assertThat(steps.get(1).path("channel").asText()).isEqualTo("sms");
            assertThat(steps.get(1).path("detail").asText()).isEqualTo("fallback from imessage: \"quoted\"");
            assertThat(steps.get(1).path("at").asLong()).isEqualTo(2000);
            assertThat(new ObjectMapper().readTree(timelines.get(withoutSteps))).isEmpty();
        }
    }

    @Test
    void v14_gives_each_delivery_of_a_stored_event_that_events_cursor_and_a_test_ping_none() throws Exception {
        flyway("13").migrate();
        String account = UUID.randomUUID().toString();
        String webhook = UUID.randomUUID().toString();
        String ofEvent = UUID.randomUUID().toString();
        String ping = UUID.randomUUID().toString();
        String cast = dialect() == Dialect.POSTGRESQL ? "::uuid" : "";
        Flyway at13 = flyway("13");
        try (var connection = at13.getConfiguration().getDataSource().getConnection();
             var statement = connection.createStatement()) {
            for (String event : new String[] {"evt_000000001aaaaaaaaaaaaaaa", "evt_000000002bbbbbbbbbbbbbbb"}) {
                statement.execute("INSERT INTO events (id, account_id, mode, type, payload, created_at) VALUES ('"
                        + event + "', '" + account + "'" + cast + ", 'test', 'message.sent', '{}', 1)");
            }
            String columns = "INSERT INTO webhook_deliveries (id, webhook_id, account_id, mode, event_id, event_type, "
                    + "payload, status, created_at, updated_at) VALUES ('";
            statement.execute(columns + ofEvent + "'" + cast + ", '" + webhook + "'" + cast + ", '" + account + "'"
                    + cast + ", 'test', 'evt_000000002bbbbbbbbbbbbbbb', 'message.sent', NULL, 'pending', 1, 1)");
            statement.execute(columns + ping + "'" + cast + ", '" + webhook + "'" + cast + ", '" + account + "'"
                    + cast + ", 'test', 'evt_000000003ccccccccccccccc', 'webhook.test', '{}', 'succeeded', 1, 1)");
        }

        flyway("latest").migrate();

        try (Database db = store.open()) {
            long cursor = db.read(h -> h.createQuery("SELECT cursor FROM events WHERE id = 'evt_000000002bbbbbbbbbbbbbbb'")
                    .mapTo(Long.class).one());
            Map<String, Long> cursors = db.read(h -> h.createQuery("SELECT id, event_cursor FROM webhook_deliveries")
                    .map((rs, ctx) -> {
                        long value = rs.getLong("event_cursor");
                        Long cursorOrNull = rs.wasNull() ? null : value;
                        return new java.util.AbstractMap.SimpleEntry<>(rs.getString("id"), cursorOrNull);
                    }).list())
                    .stream().collect(java.util.HashMap::new, (m, e) -> m.put(e.getKey(), e.getValue()), Map::putAll);
            assertThat(cursors).containsEntry(ofEvent, cursor).containsEntry(ping, null).hasSize(2);
        }
    }

    @Test
    void v16_keeps_every_event_and_its_cursor_and_never_hands_out_a_cursor_of_a_purged_event_again() throws Exception {
        flyway("15").migrate();
        String account = UUID.randomUUID().toString();
        String cast = dialect() == Dialect.POSTGRESQL ? "::uuid" : "";
        Flyway at15 = flyway("15");
        try (var connection = at15.getConfiguration().getDataSource().getConnection();
             var statement = connection.createStatement()) {
            for (String event : new String[] {"evt_000000001aaaaaaaaaaaaaaa", "evt_000000002bbbbbbbbbbbbbbb",
                    "evt_000000003ccccccccccccccc"}) {
                statement.execute("INSERT INTO events (id, account_id, mode, type, conversation_id, payload, created_at) "
                        + "VALUES ('" + event + "', '" + account + "'" + cast + ", 'test', 'message.sent', NULL, "
                        + "'{\"n\":1}', 7)");
            }
            // the newest two purged: the log's high-water mark is above every row left
            statement.execute("DELETE FROM events WHERE id <> 'evt_000000001aaaaaaaaaaaaaaa'");
        }

        flyway("latest").migrate();

        try (Database db = store.open()) {
            var rows = db.read(h -> h.createQuery("SELECT cursor, id, account_id, mode, type, payload, created_at "
                    + "FROM events ORDER BY cursor").mapToMap().list());
            assertThat(rows).hasSize(1);
            assertThat(rows.get(0)).containsEntry("id", "evt_000000001aaaaaaaaaaaaaaa")
                    .containsEntry("mode", "test").containsEntry("type", "message.sent")
                    .containsEntry("payload", "{\"n\":1}");
            assertThat(((Number) rows.get(0).get("cursor")).longValue()).isEqualTo(1L);
            assertThat(((Number) rows.get(0).get("created_at")).longValue()).isEqualTo(7L);
            assertThat(String.valueOf(rows.get(0).get("account_id"))).isEqualTo(account);
            long next = db.write(h -> h.createQuery("INSERT INTO events (id, account_id, mode, type, payload, created_at) "
                    + "VALUES ('evt_000000004ddddddddddddddd', '" + account + "'" + cast + ", 'test', 'message.sent', "
                    + "'{}', 8) RETURNING cursor").mapTo(Long.class).one());
            assertThat(next).as("after the purged cursors 2 and 3").isEqualTo(4L);
            // the id is no longer an index of its own: the same id twice is the writer's business, not the schema's
            db.writeVoid(h -> h.execute("INSERT INTO events (id, account_id, mode, type, payload, created_at) VALUES "
                    + "('evt_000000004ddddddddddddddd', '" + account + "'" + cast + ", 'test', 'message.sent', '{}', 9)"));
            long withIndex = db.read(h -> h.createQuery(dialect() == Dialect.POSTGRESQL
                    ? "SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'events' AND indexdef LIKE '%(id)%'"
                    : "SELECT COUNT(*) FROM sqlite_master WHERE tbl_name = 'events' AND type = 'index' "
                            + "AND name <> 'events_account_idx'").mapTo(Long.class).one());
            assertThat(withIndex).isZero();
        }
    }

    @Test
    void v17_gives_every_stored_event_a_row_of_its_own_and_postgresql_compresses_packed_rows_with_lz4() throws Exception {
        flyway("16").migrate();
        String cast = dialect() == Dialect.POSTGRESQL ? "::uuid" : "";
        Flyway at16 = flyway("16");
        try (var connection = at16.getConfiguration().getDataSource().getConnection();
             var statement = connection.createStatement()) {
            statement.execute("INSERT INTO events (id, account_id, mode, type, payload, created_at) VALUES "
                    + "('evt_000000001aaaaaaaaaaaaaaa', '" + UUID.randomUUID() + "'" + cast + ", 'test', 'message.sent', "
                    + "'{}', 1)");
        }

        flyway("latest").migrate();

        try (Database db = store.open()) {
            assertThat(db.<List<Integer>>read(h -> h.createQuery("SELECT span FROM events").mapTo(Integer.class).list()))
                    .containsExactly(1);
            if (dialect() == Dialect.POSTGRESQL) {
                boolean lz4 = db.<Boolean>read(h -> h.createQuery("SELECT 'lz4' = ANY (enumvals) FROM pg_settings "
                        + "WHERE name = 'default_toast_compression'").mapTo(Boolean.class).one());
                String method = db.<String>read(h -> h.createQuery("SELECT attcompression::text FROM pg_attribute "
                        + "WHERE attrelid = 'events'::regclass AND attname = 'payload'").mapTo(String.class).one());
                assertThat(method).isEqualTo(lz4 ? "l" : "");
            }
        }
    }

    @Test
    void v18_leaves_the_check_of_a_messages_thread_to_sqlite_alone() {
        flyway("latest").migrate();
        String cast = dialect() == Dialect.POSTGRESQL ? "::uuid" : "";
        String insert = "INSERT INTO messages (id, account_id, mode, conversation_id, direction, status, from_handle, "
                + "created_at, updated_at) VALUES ('" + UUID.randomUUID() + "'" + cast + ", '" + UUID.randomUUID() + "'"
                + cast + ", 'test', '" + UUID.randomUUID() + "'" + cast + ", 'outbound', 'queued', '+18005550100', 1, 1)";
        try (Database db = store.open()) {
            if (dialect() == Dialect.SQLITE) {
                // what every test on SQLite relies on to prove that no code path writes a message without its thread
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> db.writeVoid(h -> h.execute(insert)))
                        .hasMessageContaining("FOREIGN KEY");
            } else {
                db.writeVoid(h -> h.execute(insert));
            }
            // the count MessagingFixture checks after every end-to-end class finds such a message
            assertThat(dev.msgbubbles.support.Orphans.messagesWithoutThread(db)).isEqualTo(dialect() == Dialect.SQLITE ? 0 : 1);
        }
    }
}
