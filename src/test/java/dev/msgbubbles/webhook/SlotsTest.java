package dev.msgbubbles.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** An endpoint's limit under answers and hangs; the time the slots see is a counter the test moves. */
class SlotsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final AtomicLong nanos = new AtomicLong();

    /** Moves past the busy wait: no attempt has ended since, so the slots are stuck and a take does not wait. */
    private void stuck() {
        nanos.addAndGet(Slots.BUSY_WAIT.toNanos());
    }

    private static void takeAll(Slots slots, int n) {
        for (int i = 0; i < n; i++) {
            assertThat(slots.take()).as("take %d", i).isEqualTo(Slots.Take.TAKEN);
        }
    }

    private static Optional<Courier.Sent> sent(RetryPolicy.Answer answer, Duration took) {
        return Optional.of(new Courier.Sent(answer, took));
    }

    private static RetryPolicy.Answer status(int code) {
        return new RetryPolicy.Answer.Response(code, Optional.empty(), null);
    }

    @Test
    void a_fast_endpoint_keeps_its_full_limit_through_any_number_of_answers() {
        Slots slots = new Slots(64, 1, nanos::get);
        for (int round = 0; round < 100; round++) {
            takeAll(slots, 64);
            for (int i = 0; i < 64; i++) {
                slots.ended(round % 2 == 0 ? Slots.Ending.IN_TIME : Slots.Ending.NOT_SENT);
            }
        }
        takeAll(slots, 64);
        stuck();
        assertThat(slots.take()).isEqualTo(Slots.Take.BUSY);
        assertThat(slots.limit()).isEqualTo(64);
        assertThat(slots.inFlight()).isEqualTo(64);
    }

    /**
     * Hung endpoints of many accounts, one slot each, could hold every slot of the process: with a lowered limit an
     * attempt also takes a slot of the process's pool, and is busy at once when it has none; endpoints at their full
     * limit never touch the pool. The pool's slots come back as the attempts holding them end.
     */
    @Test
    void lowered_endpoints_share_a_capped_pool_that_endpoints_at_their_full_limit_never_use() {
        Slots.Pool pool = new Slots.Pool(2);
        List<Slots> hung = List.of(new Slots(4, 1, nanos::get, pool), new Slots(4, 1, nanos::get, pool),
                new Slots(4, 1, nanos::get, pool));
        for (Slots endpoint : hung) {
            takeAll(endpoint, 1);
            endpoint.ended(Slots.Ending.HUNG); // 4 → 2: lowered
            assertThat(endpoint.limit()).isEqualTo(2);
        }
        assertThat(pool.held()).as("attempts at the full limit took nothing of the pool").isZero();

        assertThat(hung.get(0).take()).isEqualTo(Slots.Take.TAKEN);
        assertThat(hung.get(1).take()).isEqualTo(Slots.Take.TAKEN);
        assertThat(pool.held()).isEqualTo(2);
        long before = System.nanoTime();
        assertThat(hung.get(2).take()).as("the pool is full: busy, below its own limit").isEqualTo(Slots.Take.BUSY);
        assertThat(hung.get(0).take()).as("likewise for a second attempt of one that holds a pool slot")
                .isEqualTo(Slots.Take.BUSY);
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - before)).as("without waiting")
                .isLessThan(Slots.BUSY_WAIT);

        Slots healthy = new Slots(4, 1, nanos::get, pool);
        takeAll(healthy, 4); // its full limit: the pool does not count
        assertThat(pool.held()).isEqualTo(2);

        hung.get(0).ended(Slots.Ending.HUNG);
        assertThat(pool.held()).as("given back with the attempt").isEqualTo(1);
        assertThat(hung.get(2).take()).isEqualTo(Slots.Take.TAKEN);
        hung.get(1).unused();
        hung.get(2).ended(Slots.Ending.IN_TIME);
        assertThat(pool.held()).isZero();
        for (Slots endpoint : hung) {
            assertThat(endpoint.inFlight()).isZero();
        }
    }

    @Test
    void hung_attempts_halve_the_limit_down_to_the_floor_and_answers_raise_it_back_to_the_full_size() {
        Slots slots = new Slots(64, 1, nanos::get);
        takeAll(slots, 64);
        slots.ended(Slots.Ending.HUNG);
        assertThat(slots.limit()).isEqualTo(32);
        for (int i = 1; i < 64; i++) {
            slots.ended(Slots.Ending.HUNG); // the rest of the wave: down to the floor within one timeout
        }
        assertThat(slots.limit()).isEqualTo(1);
        takeAll(slots, 1);
        stuck();
        assertThat(slots.take()).as("a second attempt while the one allowed hangs").isEqualTo(Slots.Take.BUSY);
        slots.ended(Slots.Ending.HUNG);
        assertThat(slots.limit()).as("the floor").isEqualTo(1);

        // it answers again: each answer gives one more slot back, to the full 64 and no further
        for (int answers = 0; answers < 100; answers++) {
            takeAll(slots, 1);
            slots.ended(Slots.Ending.IN_TIME);
        }
        assertThat(slots.limit()).isEqualTo(64);
        takeAll(slots, 64);
        stuck();
        assertThat(slots.take()).isEqualTo(Slots.Take.BUSY);
    }

    @Test
    void only_a_request_without_an_answer_that_held_its_slot_half_the_timeout_counts_as_hung() {
        RetryPolicy.Answer none = new RetryPolicy.Answer.NoResponse("timed out after 10000 ms");
        assertThat(DeliveryJob.ending(sent(none, TIMEOUT), TIMEOUT)).isEqualTo(Slots.Ending.HUNG);
        assertThat(DeliveryJob.ending(sent(none, TIMEOUT.dividedBy(2)), TIMEOUT)).as("a slow connect or failure")
                .isEqualTo(Slots.Ending.HUNG);
        assertThat(DeliveryJob.ending(sent(none, Duration.ofMillis(3)), TIMEOUT)).as("refused at once")
                .isEqualTo(Slots.Ending.IN_TIME);
        assertThat(DeliveryJob.ending(sent(status(200), Duration.ofSeconds(9)), TIMEOUT)).as("slow but answering")
                .isEqualTo(Slots.Ending.IN_TIME);
        assertThat(DeliveryJob.ending(sent(status(503), Duration.ofMillis(5)), TIMEOUT)).as("a quick 5xx")
                .isEqualTo(Slots.Ending.IN_TIME);
        assertThat(DeliveryJob.ending(Optional.empty(), TIMEOUT)).isEqualTo(Slots.Ending.NOT_SENT);
    }

    @Test
    void slots_whose_floor_is_their_size_never_lower_their_limit() {
        Slots account = new Slots(4, 4, nanos::get);
        takeAll(account, 4);
        for (int i = 0; i < 4; i++) {
            account.ended(Slots.Ending.HUNG);
        }
        assertThat(account.limit()).isEqualTo(4);
        takeAll(account, 4);
    }

    @Test
    void a_job_waits_for_a_slot_of_an_endpoint_whose_attempts_keep_ending() throws Exception {
        Slots slots = new Slots(1, 1, System::nanoTime);
        takeAll(slots, 1);
        Thread ender = Thread.ofVirtual().start(() -> {
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            slots.ended(Slots.Ending.IN_TIME);
        });
        assertThat(slots.take()).isEqualTo(Slots.Take.TAKEN);
        ender.join();
    }
}
