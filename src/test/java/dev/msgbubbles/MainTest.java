package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void virtualThreadsGetTwoCarriersPerProcessorUnlessTheJvmWasGivenANumber() {
        assertThat(Main.carriersFor(null, 2)).contains("4");
        assertThat(Main.carriersFor(null, 8)).contains("16");
        assertThat(Main.carriersFor("3", 2)).isEmpty();
    }
}
