package dev.msgbubbles.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Group commit on a real store: everything a caller was told is committed is there; a bad unit fails alone. */
abstract class GroupCommitContract {
    TestStore store;
    /** The store, open for each test (subclasses add tests of their dialect). */
    Database db;
    private GroupCommit writes;

    abstract TestStore newStore();

    @BeforeEach
    void open() {
        store = newStore();
        db = store.open();
        db.writeVoid(h -> h.execute("CREATE TABLE probe (id TEXT PRIMARY KEY, n INTEGER NOT NULL)"));
        writes = new GroupCommit(db, 4, 64);
    }

    @AfterEach
    void close() {
        writes.close();
        db.close();
        store.close();
    }

    long count(String sql) {
        return db.read(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    private long rows() {
        return db.read(h -> h.createQuery("SELECT COUNT(*) FROM probe").mapTo(Long.class).one());
    }

    @Test
    void concurrent_writers_all_commit_and_get_their_own_results() throws Exception {
        allCommitWithTheirOwnResults(writes, 400);
    }

    @Test
    void writers_that_park_at_once_when_idle_commit_the_same() throws Exception {
        try (GroupCommit parking = new GroupCommit(db, 4, 64, null, Duration.ZERO)) {
            allCommitWithTheirOwnResults(parking, 400);
        }
        assertThatThrownBy(() -> new GroupCommit(db, 1, 64, null, Duration.ofNanos(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void an_idle_writer_looks_for_work_only_briefly_and_then_parks() {
        writes.writeVoid(h -> h.execute("INSERT INTO probe (id, n) VALUES ('first', 1)"));
        // a writer that kept looking for work would stay RUNNABLE, holding a CPU while the store is idle
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Thread writer : writes.writerThreads()) {
            while (writer.getState() != Thread.State.TIMED_WAITING) {
                assertThat(System.nanoTime() - deadline).as("%s still looking for work", writer.getName()).isNegative();
                Thread.onSpinWait();
            }
        }
        Integer read = writes.write(h -> h.createQuery("SELECT n FROM probe WHERE id = 'first'").mapTo(Integer.class).one());
        assertThat(read).as("a parked writer still takes new work").isEqualTo(1);
    }

    private void allCommitWithTheirOwnResults(GroupCommit group, int callers) throws Exception {
        CyclicBarrier start = new CyclicBarrier(16);
        List<Future<Integer>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < callers; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    if (n < 16) {
                        start.await();
                    }
                    return group.write(h -> {
                        h.createUpdate("INSERT INTO probe (id, n) VALUES (:id, :n)").bind("id", "row-" + n).bind("n", n).execute();
                        return n * 2;
                    });
                }));
            }
            for (int i = 0; i < callers; i++) {
                assertThat(results.get(i).get()).isEqualTo(i * 2);
            }
        }
        assertThat(rows()).isEqualTo(callers);
    }

    @Test
    void a_caller_returns_only_once_its_work_is_committed_and_its_after_commit_hooks_have_run() throws Exception {
        int callers = 300;
        Set<Integer> hooked = ConcurrentHashMap.newKeySet();
        List<Future<String>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < callers; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    writes.writeVoid(h -> {
                        h.createUpdate("INSERT INTO probe (id, n) VALUES (:id, :n)").bind("id", "row-" + n).bind("n", n).execute();
                        Database.afterCommit(h, "hook-" + n, () -> hooked.add(n));
                    });
                    // read back on another connection, before anything else can happen
                    long seen = count("SELECT COUNT(*) FROM probe WHERE id = 'row-" + n + "'");
                    return seen + "/" + hooked.contains(n);
                }));
            }
            for (Future<String> result : results) {
                assertThat(result.get()).isEqualTo("1/true");
            }
        }
    }

    @Test
    void a_failing_unit_fails_only_its_own_caller() throws Exception {
        db.writeVoid(h -> h.execute("INSERT INTO probe (id, n) VALUES ('taken', 0)"));
        int callers = 60;
        List<Future<String>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(12)) {
            for (int i = 0; i < callers; i++) {
                String id = i % 10 == 0 ? "taken" : "ok-" + i; // a primary-key clash fails that unit's statement
                results.add(pool.submit(() -> {
                    try {
                        writes.writeVoid(h -> h.createUpdate("INSERT INTO probe (id, n) VALUES (:id, 1)").bind("id", id).execute());
                        return "committed";
                    } catch (RuntimeException e) {
                        return "failed";
                    }
                }));
            }
            List<String> outcomes = new ArrayList<>();
            for (var result : results) {
                outcomes.add(result.get());
            }
            assertThat(outcomes).filteredOn("failed"::equals).hasSize(6);
        }
        assertThat(rows()).isEqualTo(1 + callers - 6);
    }

    @Test
    void a_unit_may_not_start_a_nested_write_and_a_closed_group_refuses_work() {
        assertThatThrownBy(() -> writes.write(h -> writes.write(inner -> 1))).isInstanceOf(IllegalStateException.class);
        writes.close();
        assertThatThrownBy(() -> writes.write(h -> UUID.randomUUID())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void work_of_one_affinity_always_runs_on_the_same_writer() throws Exception {
        Map<String, Set<String>> writersByAffinity = new ConcurrentHashMap<>();
        Set<String> allWriters = ConcurrentHashMap.newKeySet();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int n = i;
                String affinity = "thread-" + (n % 7);
                done.add(pool.submit(() -> writes.writeVoid(affinity, h -> {
                    writersByAffinity.computeIfAbsent(affinity, k -> ConcurrentHashMap.newKeySet())
                            .add(Thread.currentThread().getName());
                    h.createUpdate("INSERT INTO probe (id, n) VALUES (:id, :n)").bind("id", "a-" + n).bind("n", n).execute();
                })));
                done.add(pool.submit(() -> writes.writeVoid(h -> allWriters.add(Thread.currentThread().getName()))));
            }
            for (Future<?> f : done) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        assertThat(writersByAffinity).hasSize(7).allSatisfy((affinity, names) -> assertThat(names).hasSize(1));
        assertThat(rows()).isEqualTo(400);
        // work without an affinity is spread over every writer (one on SQLite, four here on PostgreSQL)
        assertThat(allWriters).hasSize(db.dialect() == Dialect.SQLITE ? 1 : 4);
    }

    @Test
    void units_of_one_affinity_locking_the_same_rows_in_opposite_orders_all_commit() throws Exception {
        db.writeVoid(h -> h.execute("INSERT INTO probe (id, n) VALUES ('x', 0), ('y', 0)"));
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                List<String> order = i % 2 == 0 ? List.of("x", "y") : List.of("y", "x");
                done.add(pool.submit(() -> writes.writeVoid("pair", h -> order.forEach(id ->
                        h.createUpdate("UPDATE probe SET n = n + 1 WHERE id = :id").bind("id", id).execute()))));
            }
            for (Future<?> f : done) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        List<Integer> counts = db.read(h -> h.createQuery("SELECT n FROM probe ORDER BY id").mapTo(Integer.class).list());
        assertThat(counts).containsExactly(200, 200);
    }

    @Test
    void callers_racing_a_close_are_either_committed_or_refused_never_left_waiting() throws Exception {
        List<Future<String>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 200; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    try {
                        writes.writeVoid(h -> h.createUpdate("INSERT INTO probe (id, n) VALUES (:id, 1)").bind("id", "c-" + n).execute());
                        return "committed";
                    } catch (IllegalStateException e) {
                        return "refused";
                    }
                }));
                if (i == 100) {
                    writes.close();
                }
            }
            long committed = 0;
            for (var result : results) {
                if (result.get(30, java.util.concurrent.TimeUnit.SECONDS).equals("committed")) {
                    committed++;
                }
            }
            assertThat(rows()).isEqualTo(committed);
        }
    }

    @Test
    void last_writes_land_in_the_order_given_before_later_steps_and_together_across_units() throws Exception {
        db.writeVoid(h -> h.execute("CREATE TABLE seen (seq INTEGER NOT NULL, n INTEGER NOT NULL)"));
        String insert = "INSERT INTO probe (id, n) VALUES";
        // 600 rows from 20 concurrent units: several commits, each with chunks of 256, 128, ... rows
        List<Future<?>> done = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(20)) {
            for (int u = 0; u < 20; u++) {
                int unit = u;
                done.add(pool.submit(() -> writes.write("unit-" + unit, h -> {
                    for (int i = 0; i < 30; i++) {
                        LastWrites.insert(h, insert, 2, "u" + unit + "-" + i, unit * 1000 + i);
                    }
                    // nothing of this unit is in the table before the last step
                    return h.createQuery("SELECT COUNT(*) FROM probe WHERE id LIKE :p").bind("p", "u" + unit + "-%")
                            .mapTo(Long.class).one();
                })));
            }
            for (Future<?> f : done) {
                assertThat(f.get()).isEqualTo(0L);
            }
        }
        assertThat(rows()).isEqualTo(600);

        // a step of a higher order runs after them and sees the rows (lane order of jobs: QueueContract)
        db.writeVoid(h -> {
            for (int i = 0; i < 5; i++) {
                LastWrites.insert(h, insert, 2, "ordered-" + i, 10_000 + i);
            }
            Database.lastStep(h, "after", () -> new Database.CommitStep() {
                @Override
                public void run(org.jdbi.v3.core.Handle tx) {
                    tx.execute("INSERT INTO seen (seq, n) SELECT 0, COUNT(*) FROM probe WHERE id LIKE 'ordered-%'");
                }

                @Override
                public int order() {
                    return 1;
                }
            });
        });
        assertThat(count("SELECT n FROM seen")).isEqualTo(5);

        // deletes by key: 300 keys (a chunk of 256 and one padded to 64), one of them twice and one that matches nothing
        db.writeVoid(h -> {
            for (int u = 0; u < 10; u++) {
                for (int i = 0; i < 30; i++) {
                    LastWrites.forKey(h, "DELETE FROM probe WHERE id IN", "u" + u + "-" + i);
                }
            }
            LastWrites.forKey(h, "DELETE FROM probe WHERE id IN", "u0-0");
            LastWrites.forKey(h, "DELETE FROM probe WHERE id IN", "no-such-row");
        });
        assertThat(rows()).isEqualTo(600 - 300 + 5);
        assertThat(count("SELECT COUNT(*) FROM probe WHERE id LIKE 'u1-%'")).isZero();
        assertThat(count("SELECT COUNT(*) FROM probe WHERE id LIKE 'u10-%'")).isEqualTo(30);
    }

    @Test
    void a_last_write_that_fails_rolls_back_its_transaction_and_group_commit_fails_only_its_unit() throws Exception {
        db.writeVoid(h -> h.execute("INSERT INTO probe (id, n) VALUES ('taken', 0)"));
        List<Future<String>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 24; i++) {
                String id = i % 8 == 0 ? "taken" : "late-" + i;
                results.add(pool.submit(() -> {
                    try {
                        writes.writeVoid(h -> {
                            h.createUpdate("INSERT INTO probe (id, n) VALUES (:id, 1)").bind("id", id + "-now").execute();
                            LastWrites.insert(h, "INSERT INTO probe (id, n) VALUES", 2, id, 2);
                        });
                        return "ok";
                    } catch (RuntimeException e) {
                        return "failed";
                    }
                }));
            }
            for (int i = 0; i < 24; i++) {
                assertThat(results.get(i).get()).isEqualTo(i % 8 == 0 ? "failed" : "ok");
            }
        }
        // the failed units left nothing, not even the row they wrote at once
        assertThat(count("SELECT COUNT(*) FROM probe WHERE id = 'taken-now'")).isZero();
        assertThat(rows()).isEqualTo(1 + 21 * 2);
    }

    @Test
    void a_pending_keyed_write_can_be_run_early_for_one_key_and_then_runs_only_for_the_others() {
        db.writeVoid(h -> h.execute("INSERT INTO probe (id, n) VALUES ('a', 5), ('b', 5)"));
        String reset = "UPDATE probe SET n = 0 WHERE id IN";
        db.writeVoid(h -> {
            LastWrites.forKey(h, reset, "a");
            LastWrites.forKey(h, reset, "b");
            LastWrites.flush(h, reset, "a"); // now: the increment below counts from 0
            h.execute("UPDATE probe SET n = n + 1 WHERE id IN ('a', 'b')");
            LastWrites.flush(h, reset, "c"); // nothing pending for it: nothing happens
        });
        assertThat(count("SELECT n FROM probe WHERE id = 'a'")).isEqualTo(1); // reset, then incremented
        assertThat(count("SELECT n FROM probe WHERE id = 'b'")).isZero(); // incremented, then reset at the end
    }

    @Test
    void last_updates_run_as_one_batch_after_the_units_with_values_and_nulls_mixed() throws Exception {
        db.writeVoid(h -> h.execute("CREATE TABLE marks (id TEXT PRIMARY KEY, state TEXT NOT NULL, at BIGINT, note TEXT)"));
        db.writeVoid(h -> {
            for (int i = 0; i < 40; i++) {
                h.createUpdate("INSERT INTO marks (id, state) VALUES (:id, 'pending')").bind("id", "m" + i).execute();
            }
        });
        String settle = "UPDATE marks SET state = ?, at = ?, note = ? WHERE id = ? AND state = 'pending'";
        List<Future<?>> done = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 40; i++) {
                int n = i;
                done.add(pool.submit(() -> writes.writeVoid(h -> {
                    // even: a value and a null note; odd: a null time and a note; m0 twice (the second finds it settled)
                    LastWrites.update(h, settle, "done", n % 2 == 0 ? Long.valueOf(n) : null, n % 2 == 0 ? null : "n" + n,
                            "m" + n);
                    if (n == 0) {
                        LastWrites.update(h, settle, "again", 99L, "late", "m0");
                    }
                })));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        assertThat(count("SELECT COUNT(*) FROM marks WHERE state = 'done'")).isEqualTo(40);
        assertThat(count("SELECT COUNT(*) FROM marks WHERE at IS NULL AND note IS NOT NULL")).isEqualTo(20);
        assertThat(count("SELECT at FROM marks WHERE id = 'm8'")).isEqualTo(8);
        assertThat(count("SELECT COUNT(*) FROM marks WHERE note = 'late'")).isZero();
    }
}
