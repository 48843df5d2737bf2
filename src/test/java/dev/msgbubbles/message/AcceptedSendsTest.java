package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.common.Mode;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AcceptedSendsTest {
    private static final Instant FINE = Instant.parse("2026-11-23T10:00:00.123456789Z");

    private static Message message(MessageStatus status, Instant scheduledAt) {
        return new Message(UUID.randomUUID(), UUID.randomUUID(), Mode.TEST, UUID.randomUUID(), Message.Direction.OUTBOUND,
                status, null, "+18005550100", "+14155550123", "hi", null, null, null, null, null, null, scheduledAt,
                null, null, null, null, 0, FINE, FINE, null, false);
    }

    @Test
    void each_message_is_taken_once() {
        AcceptedSends sends = new AcceptedSends(10);
        Message m = message(MessageStatus.QUEUED, null);
        sends.accepted(m);
        assertThat(sends.take(m.id())).isNotNull();
        assertThat(sends.take(m.id())).isNull();
        assertThat(sends.size()).isZero();
    }

    @Test
    void only_queued_messages_not_scheduled_are_handed_over() {
        AcceptedSends sends = new AcceptedSends(10);
        Message scheduled = message(MessageStatus.SCHEDULED, FINE.plusSeconds(60));
        Message failed = message(MessageStatus.FAILED, null);
        sends.accepted(scheduled);
        sends.accepted(failed);
        assertThat(sends.size()).isZero();
        assertThat(sends.take(scheduled.id())).isNull();
    }

    @Test
    void the_oldest_make_room_for_newer_ones() {
        AcceptedSends sends = new AcceptedSends(2);
        Message first = message(MessageStatus.QUEUED, null);
        Message second = message(MessageStatus.QUEUED, null);
        Message third = message(MessageStatus.QUEUED, null);
        sends.accepted(first);
        sends.accepted(second);
        sends.accepted(third);
        assertThat(sends.size()).isEqualTo(2);
        assertThat(sends.take(first.id())).isNull();
        assertThat(sends.take(second.id())).isNotNull();
        assertThat(sends.take(third.id())).isNotNull();
    }

    @Test
    void a_dropped_message_is_gone() {
        AcceptedSends sends = new AcceptedSends(10);
        Message m = message(MessageStatus.QUEUED, null);
        sends.accepted(m);
        sends.drop(m.id());
        assertThat(sends.take(m.id())).isNull();
    }

    @Test
    void times_are_kept_to_the_millisecond_as_the_store_keeps_them() {
        AcceptedSends sends = new AcceptedSends(10);
        Message m = message(MessageStatus.QUEUED, null);
        sends.accepted(m);
        Message handed = sends.take(m.id());
        assertThat(handed.createdAt()).isEqualTo(Instant.parse("2026-11-23T10:00:00.123Z"));
        assertThat(handed.updatedAt()).isEqualTo(Instant.parse("2026-11-23T10:00:00.123Z"));
        assertThat(handed).usingRecursiveComparison().ignoringFields("createdAt", "updatedAt").isEqualTo(m);
    }
}
