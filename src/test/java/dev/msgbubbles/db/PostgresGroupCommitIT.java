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
    void a_batch_that_gets_no_connection_fails_every_unit_at_once_and_runs_none() throws Exception {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        int queued = 5;
        // a pool of one connection, which the first unit holds: after the outage begins there is no other to be had
        java.util.Map<String, String> settings = java.util.Map.of("MSGBUBBLES_DATABASE_WAIT_MS", "250",
                "MSGBUBBLES_DATABASE_POOL_SIZE", "1");
        try (Database narrow = Database.open(store.config(settings).storage(), registry);
             GroupCommit one = new GroupCommit(narrow, 1, 64)) {
            java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CompletableFuture<Object> first = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> one.write(h -> {
                        h.createQuery("SELECT 1").mapTo(Integer.class).one(); // the transaction is open on the server
                        inside.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        return 0;
                    }), java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            inside.await(); // the writer is inside the first unit: the others queue behind it, for one batch
            java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
            java.util.List<Throwable> failures = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            java.util.List<Thread> callers = new java.util.ArrayList<>();
            for (int i = 0; i < queued; i++) {
                callers.add(Thread.ofPlatform().start(() -> {
                    try {
                        one.write(h -> ran.incrementAndGet());
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread caller : callers) { // parked on their commits: every unit is queued
                while (caller.getState() != Thread.State.WAITING) {
                    Thread.onSpinWait();
                }
            }
            store.refuseConnections();
            try {
                release.countDown();
                // its connection was ended under it, so its commit fails and the pool drops that connection
                assertThat(first).failsWithin(java.time.Duration.ofSeconds(30));
                for (Thread caller : callers) {
                    caller.join();
                }
            } finally {
                store.allowConnections();
            }

            assertThat(failures).hasSize(queued).allSatisfy(e -> assertThat(e).isInstanceOf(StoreUnavailable.class));
            assertThat(ran).hasValue(0);
            // one wait for a connection for the whole batch; trying each unit alone would have waited once per unit more
            double waits = registry.get("hikaricp.connections.timeout").counter().count();
            assertThat(waits).isGreaterThanOrEqualTo(1).isLessThan(queued);

            Integer answered = one.write(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one());
            assertThat(answered).isEqualTo(1); // connections are back: the writer commits again
        }
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
