package dev.msgbubbles.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The table forgets idle slots, and never lets a key's attempts past its limit while it does. */
class SlotTableTest {
    private final AtomicLong nanos = new AtomicLong();
    private final SlotTable<String> table = new SlotTable<>(4, 1, nanos::get);

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    private Slots taken(String key) {
        SlotTable.Taken t = table.take(key);
        assertThat(t.taken()).isTrue();
        return t.slots();
    }

    @Test
    void an_endpoints_slots_are_forgotten_once_its_attempts_have_ended_and_it_is_idle() {
        taken("a").ended(Slots.Ending.IN_TIME);
        advance(SlotTable.FORGET_FULL.plus(SlotTable.SWEEP));
        taken("b").ended(Slots.Ending.IN_TIME); // the take that sweeps

        assertThat(table.get("a")).isNull();
        assertThat(table.size()).isEqualTo(1);
    }

    @Test
    void slots_with_an_attempt_in_flight_are_never_forgotten() {
        Slots a = taken("a");
        advance(Duration.ofDays(1));
        taken("b");

        assertThat(table.get("a")).isSameAs(a);
        a.ended(Slots.Ending.IN_TIME);
    }

    @Test
    void a_limit_lowered_by_hung_attempts_is_remembered_for_an_hour_of_idleness() {
        Slots a = taken("a");
        a.ended(Slots.Ending.HUNG);
        assertThat(a.limit()).isEqualTo(2);
        advance(SlotTable.FORGET_FULL.plus(SlotTable.SWEEP));
        taken("b");
        assertThat(table.get("a")).isSameAs(a);

        advance(SlotTable.FORGET_LOWERED);
        taken("b");
        assertThat(table.get("a")).isNull();
    }

    @Test
    void a_caller_that_looked_up_slots_just_before_they_were_forgotten_takes_from_the_new_ones() {
        Slots old = taken("a");
        old.ended(Slots.Ending.IN_TIME);
        advance(SlotTable.FORGET_FULL.plus(SlotTable.SWEEP));
        taken("b");

        assertThat(old.take()).as("retired slots give none").isEqualTo(Slots.Take.RETIRED);
        assertThat(old.inFlight()).isZero();
        Slots now = taken("a");
        assertThat(now).isNotSameAs(old);
        assertThat(table.get("a")).isSameAs(now);
    }

    @Test
    void sweeps_racing_takes_never_let_one_key_past_its_limit() throws Exception {
        // every read of the time moves it a minute: every take sweeps, every idle entry is forgotten, and full slots
        // are stuck (a take does not wait)
        SlotTable<String> racing = new SlotTable<>(2, 2, () -> nanos.addAndGet(Duration.ofMinutes(1).toNanos()));
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Set<Slots> seen = ConcurrentHashMap.newKeySet();
        Thread[] threads = new Thread[8];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 20_000; i++) {
                    SlotTable.Taken got = racing.take("a");
                    if (got.taken()) {
                        seen.add(got.slots());
                        most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                        inFlight.decrementAndGet();
                        got.slots().ended(Slots.Ending.IN_TIME);
                    }
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(most.get()).as("attempts in flight to one key at once").isLessThanOrEqualTo(2);
        assertThat(seen.size()).as("its slots were forgotten and made again, often").isGreaterThan(10);
    }
}
