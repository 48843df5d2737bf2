package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PostgresNumberPacingIT extends NumberPacingContract {
    @Override
    TestStore newStore() {
        return TestStore.postgres("numberpacing");
    }

    /**
     * A slot is taken in a group-commit transaction that may hold other numbers' rows: waiting for a row another
     * transaction holds could deadlock with another process's holding them in the other order. The send comes back
     * shortly, with nothing booked.
     */
    @Test
    void a_slot_another_transaction_holds_is_found_busy_without_waiting_for_it() throws Exception {
        NumberPacing pacing = pacing(60);
        assertThat(take(pacing, "k")).isZero();
        clock.advance(Duration.ofSeconds(1)); // free again, but held
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2); // not the common pool: one thread on two cores
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> db.writeVoid(tx -> {
            tx.createQuery("SELECT next_free_ns FROM number_pacing WHERE handle = 'k' FOR UPDATE").mapTo(Long.class).one();
            held.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }), threads);
        try {
            assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(CompletableFuture.supplyAsync(() -> take(pacing, "k"), threads).get(5, TimeUnit.SECONDS))
                    .isEqualTo(NumberPacing.HELD);
        } finally {
            release.countDown();
            holder.get(10, TimeUnit.SECONDS);
            threads.shutdownNow();
        }
        assertThat(take(pacing, "k")).isZero(); // released untaken: free
    }
}
