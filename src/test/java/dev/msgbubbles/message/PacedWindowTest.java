package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The window note of a paced send's job payload ({@link PacedWindow}). */
class PacedWindowTest {
    private static final Instant OWN = Instant.parse("2026-11-23T10:00:00Z");

    private static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    @Test
    void a_payload_without_a_note_is_read_as_before() {
        for (String payload : new String[] {null, SendJob.ACCEPTANCE, "paced:42", "paced:42:anew"}) {
            assertThat(PacedWindow.note(payload)).isNull();
            assertThat(PacedWindow.rest(payload)).isEqualTo(payload);
            assertThat(PacedWindow.start(OWN, payload)).isEqualTo(OWN);
        }
    }

    @Test
    void a_first_booking_starts_the_window_at_its_slot_and_later_ones_keep_it() {
        long slot = nanos(OWN.plusSeconds(120));
        String note = PacedWindow.booked(null, OWN, slot, OWN);
        String payload = PacedWindow.payload(note, new NumberPacing.Booking(slot, false).payload());
        assertThat(NumberPacing.Booking.of(PacedWindow.rest(payload))).isEqualTo(new NumberPacing.Booking(slot, false));
        assertThat(PacedWindow.start(OWN, payload)).isEqualTo(OWN.plusSeconds(120));
        String again = PacedWindow.booked(PacedWindow.note(payload), OWN, nanos(OWN.plusSeconds(180)),
                OWN.plusSeconds(121));
        assertThat(PacedWindow.start(OWN, again)).as("a later booking").isEqualTo(OWN.plusSeconds(120));
        assertThat(PacedWindow.start(OWN.plusSeconds(300), again)).as("a later start of its message")
                .isEqualTo(OWN.plusSeconds(300));
    }

    @Test
    void a_slot_before_the_messages_start_does_not_move_it() {
        String note = PacedWindow.booked(null, OWN, nanos(OWN.minusSeconds(5)), OWN);
        assertThat(PacedWindow.start(OWN, note)).isEqualTo(OWN);
    }

    @Test
    void a_send_held_before_its_first_slot_has_its_window_moved_on_by_the_wait_for_the_slot_only() {
        String note = PacedWindow.booked(PacedWindow.HELD, OWN, nanos(OWN.plusSeconds(150)), OWN.plusSeconds(30));
        assertThat(PacedWindow.start(OWN, note)).isEqualTo(OWN.plusSeconds(120));
        assertThat(PacedWindow.start(OWN, PacedWindow.payload(PacedWindow.HELD, SendJob.ACCEPTANCE))).isEqualTo(OWN);
        assertThat(PacedWindow.rest(PacedWindow.payload(PacedWindow.HELD, SendJob.ACCEPTANCE)))
                .isEqualTo(SendJob.ACCEPTANCE);
    }
}
