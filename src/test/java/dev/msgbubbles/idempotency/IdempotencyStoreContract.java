package dev.msgbubbles.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.idempotency.IdempotencyStore.Mismatch;
import dev.msgbubbles.idempotency.IdempotencyStore.Outcome;
import dev.msgbubbles.idempotency.IdempotencyStore.Replay;
import dev.msgbubbles.idempotency.IdempotencyStore.Reserved;
import dev.msgbubbles.idempotency.IdempotencyStore.Scope;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The idempotency store on a real database, used the way endpoints use it: reserve inside the transaction
 * that creates the resource. A small {@code probe_resources} table stands in for messages/chats/webhooks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class IdempotencyStoreContract {
    private static final Duration RETENTION = Duration.ofHours(72);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private TestStore store;
    private Database db;
    private IdempotencyStore idempotency;

    abstract TestStore newStore();

    @BeforeAll
    void open() {
        store = newStore();
        db = store.open();
        idempotency = new IdempotencyStore(clock, RETENTION);
        db.writeVoid(h -> h.execute("CREATE TABLE probe_resources (id TEXT PRIMARY KEY)"));
    }

    @AfterAll
    void close() {
        db.close();
        store.close();
    }

    private static Scope scope() {
        return new Scope(UUID.randomUUID(), Mode.TEST, "POST /v1/messages");
    }

    /** What an endpoint does: reserve, and create the resource only when the key was free. */
    private Outcome create(Scope scope, String key, String fingerprint, String resourceId) {
        return db.write(h -> {
            Outcome outcome = idempotency.reserve(h, scope, key, fingerprint, resourceId);
            if (outcome instanceof Reserved) {
                h.createUpdate("INSERT INTO probe_resources (id) VALUES (:id)").bind("id", resourceId).execute();
            }
            return outcome;
        });
    }

    private java.util.Optional<Outcome> lookup(Scope scope, String key, String fingerprint) {
        return db.read(h -> idempotency.lookup(h, scope, key, fingerprint));
    }

    private long resources(List<String> ids) {
        return db.read(h -> h.createQuery("SELECT COUNT(*) FROM probe_resources WHERE id IN (<ids>)")
                .bindList("ids", ids).mapTo(Long.class).one());
    }

    @Test
    void the_first_use_reserves_and_a_repeat_with_the_same_body_replays_the_resource() {
        Scope scope = scope();
        assertThat(create(scope, "order-1042", "fp-a", "res-1")).isInstanceOf(Reserved.class);
        assertThat(create(scope, "order-1042", "fp-a", "res-2")).isEqualTo(new Replay("res-1"));
        assertThat(resources(List.of("res-1", "res-2"))).isEqualTo(1);
        assertThat(lookup(scope, "order-1042", "fp-a")).contains(new Replay("res-1"));
    }

    @Test
    void the_same_key_with_a_different_body_is_a_mismatch() {
        Scope scope = scope();
        create(scope, "k", "fp-a", "res-m1");
        assertThat(create(scope, "k", "fp-b", "res-m2")).isInstanceOf(Mismatch.class);
        assertThat(lookup(scope, "k", "fp-b")).containsInstanceOf(Mismatch.class);
        assertThat(resources(List.of("res-m2"))).isZero();
    }

    @Test
    void keys_are_scoped_by_account_mode_and_endpoint() {
        Scope scope = scope();
        create(scope, "shared", "fp", "res-s1");
        assertThat(create(new Scope(UUID.randomUUID(), Mode.TEST, scope.endpoint()), "shared", "fp", "res-s2"))
                .isInstanceOf(Reserved.class);
        assertThat(create(new Scope(scope.accountId(), Mode.LIVE, scope.endpoint()), "shared", "fp", "res-s3"))
                .isInstanceOf(Reserved.class);
        assertThat(create(new Scope(scope.accountId(), Mode.TEST, "POST /v1/chats"), "shared", "fp", "res-s4"))
                .isInstanceOf(Reserved.class);
    }

    @Test
    void a_failed_request_does_not_consume_its_key() {
        Scope scope = scope();
        assertThatThrownBy(() -> db.writeVoid(h -> {
            idempotency.reserve(h, scope, "retry-me", "fp", "res-f1");
            throw new IllegalArgumentException("validation failed after the reservation");
        })).isInstanceOf(IllegalArgumentException.class);
        assertThat(lookup(scope, "retry-me", "fp")).isEmpty();
        assertThat(create(scope, "retry-me", "fp", "res-f2")).isInstanceOf(Reserved.class);
    }

    @Test
    void a_key_is_remembered_for_the_retention_and_then_free_again() {
        Scope scope = scope();
        create(scope, "old", "fp", "res-o1");
        clock.advance(RETENTION.minusMinutes(1));
        assertThat(create(scope, "old", "fp-other", "res-o2")).isInstanceOf(Mismatch.class);
        clock.advance(Duration.ofMinutes(2));
        assertThat(lookup(scope, "old", "fp")).isEmpty();
        assertThat(create(scope, "old", "fp-other", "res-o3")).isInstanceOf(Reserved.class);
        assertThat(create(scope, "old", "fp-other", "res-o4")).isEqualTo(new Replay("res-o3"));
    }

    @Test
    void purge_removes_only_expired_keys() {
        Scope scope = scope();
        create(scope, "purge-old", "fp", "res-p1");
        clock.advance(RETENTION.plusMinutes(1));
        create(scope, "purge-new", "fp", "res-p2");
        int purged = db.write(idempotency::purgeExpired);
        assertThat(purged).isGreaterThanOrEqualTo(1);
        assertThat(lookup(scope, "purge-new", "fp")).contains(new Replay("res-p2"));
        long remainingOld = db.read(h -> h.createQuery("SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'purge-old'")
                .mapTo(Long.class).one());
        assertThat(remainingOld).isZero();
    }

    @Test
    void concurrent_requests_with_one_key_create_exactly_one_resource() throws Exception {
        Scope scope = scope();
        int racers = 12;
        CyclicBarrier start = new CyclicBarrier(racers);
        List<Future<Outcome>> futures = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(racers)) {
            for (int i = 0; i < racers; i++) {
                String id = "race-" + i;
                ids.add(id);
                futures.add(pool.submit(() -> {
                    start.await();
                    return create(scope, "concurrent", "fp", id);
                }));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (var future : futures) {
                outcomes.add(future.get());
            }
            assertThat(outcomes).filteredOn(o -> o instanceof Reserved).hasSize(1);
            assertThat(resources(ids)).isEqualTo(1);
            String winner = db.read(h -> h.createQuery("SELECT id FROM probe_resources WHERE id IN (<ids>)")
                    .bindList("ids", ids).mapTo(String.class).one());
            assertThat(outcomes).filteredOn(o -> !(o instanceof Reserved)).hasSize(racers - 1)
                    .allSatisfy(o -> assertThat(o).isEqualTo(new Replay(winner)));
        }
    }

    @Test
    void an_hourly_job_purges_expired_keys_and_keeps_itself_scheduled() {
        var queue = new dev.msgbubbles.queue.JobQueue(db);
        PurgeJob purge = new PurgeJob(db, queue, idempotency);
        purge.ensureScheduled(clock.instant());
        purge.ensureScheduled(clock.instant()); // a second start does not schedule a second job
        long scheduled = db.read(h -> queue.pendingOf(h, PurgeJob.KIND));
        assertThat(scheduled).isEqualTo(1);
        Scope scope = scope();
        create(scope, "stale", "fp", "res-h1");
        clock.advance(RETENTION.plusMinutes(1));
        create(scope, "fresh", "fp", "res-h2");
        try (var worker = new dev.msgbubbles.queue.Worker(db, queue, java.util.Map.of(PurgeJob.KIND, purge), clock,
                new dev.msgbubbles.queue.Worker.Settings(8, Duration.ofSeconds(30), Duration.ofMillis(50)))) {
            assertThat(worker.drain()).isEqualTo(1); // due: its hour passed with the retention
            assertThat(worker.drain()).isZero(); // rescheduled an hour ahead
            long stale = db.read(h -> h.createQuery("SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'stale'")
                    .mapTo(Long.class).one());
            assertThat(stale).isZero();
            assertThat(lookup(scope, "fresh", "fp")).contains(new Replay("res-h2"));
            clock.advance(PurgeJob.EVERY);
            assertThat(worker.drain()).isEqualTo(1);
        }
        long stillScheduled = db.read(h -> queue.pendingOf(h, PurgeJob.KIND));
        assertThat(stillScheduled).isEqualTo(1);
    }
}
