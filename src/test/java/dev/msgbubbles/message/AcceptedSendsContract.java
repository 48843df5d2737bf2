package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Writes;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.idempotency.IdempotencyStore;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.HandleCallback;
import org.junit.jupiter.api.Test;

/**
 * The send worker takes a message this process just accepted from {@link AcceptedSends} instead of reading its row:
 * what it is handed must be exactly what the read would return, for every kind of send, under a clock finer than the
 * store's; a send whose transaction did not commit hands over nothing; and the worker sends both what it was handed and
 * what it had to read.
 */
abstract class AcceptedSendsContract {
    /** Finer than the millisecond the store keeps. */
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00.123456789Z"));
    private final MessageStore store = new MessageStore();

    abstract TestStore newStore();

    private void withRig(MessagingRig.Body body) {
        MessagingRig.with(newStore(), clock, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS, ChannelType.WHATSAPP), body);
    }

    private static SendMessage.Command command(MessagingRig rig, String to, UUID conversationId, UUID replyTo, String effect,
                                               String channel, Instant scheduledAt, Map<String, String> metadata) {
        return new SendMessage.Command(rig.principal(), null, null, to, to == null ? null : MessagingRig.NUMBER,
                conversationId, "hello " + UUID.randomUUID(), null, replyTo, effect, channel, null, scheduledAt, metadata);
    }

    private void assertHandedAsStored(Database db, MessagingRig rig, SendMessage.Result sent) {
        UUID id = sent.message().id();
        Message handed = rig.messaging().accepted().take(id);
        assertThat(handed).isNotNull();
        assertThat(handed).isEqualTo(db.read(h -> store.findById(h, id)).orElseThrow());
    }

    @Test
    void what_the_worker_is_handed_is_what_it_would_read() {
        withRig((db, rig) -> {
            SendMessage send = rig.messaging().send();
            SendMessage.Result first = send.send(command(rig, "+14155550123", null, null, "slam", null, null,
                    Map.of("order", "1042", "note", "ünïcode ✓")));
            assertHandedAsStored(db, rig, first);
            clock.advance(Duration.ofNanos(1_234_567));
            assertHandedAsStored(db, rig, send.send(command(rig, null, first.message().conversationId(),
                    first.message().id(), null, null, null, null)));
            assertHandedAsStored(db, rig, send.send(command(rig, "someone@example.com", null, null, null, null, null, null)));
            assertHandedAsStored(db, rig, send.send(command(rig, "+14155550124", null, null, null, "whatsapp", null, null)));
        });
    }

    @Test
    void scheduled_sends_are_not_handed_over() {
        withRig((db, rig) -> {
            SendMessage.Result scheduled = rig.messaging().send().send(command(rig, "+14155550123", null, null, null, null,
                    clock.instant().plus(Duration.ofHours(1)), null));
            assertThat(rig.messaging().accepted().take(scheduled.message().id())).isNull();
        });
    }

    @Test
    void a_send_whose_transaction_did_not_commit_hands_over_nothing() {
        withRig((db, rig) -> {
            Writes failingCommit = new Writes() {
                @Override
                public <R> R write(HandleCallback<R, RuntimeException> work) {
                    return db.write(tx -> {
                        work.withHandle(tx);
                        throw new IllegalStateException("the commit failed");
                    });
                }
            };
            Messaging messaging = new Messaging(new Messaging.Dependencies(db, failingCommit, clock,
                    new NumberDirectory(db, clock), new IdempotencyStore(clock, Duration.ofHours(72)), rig.queue(),
                    rig.messaging().router(), new EventLog(EventLog.Fanout.NONE), null),
                    new Messaging.Policy(Duration.ofHours(1), 0, 0), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            assertThatThrownBy(() -> messaging.send().send(command(rig, "+14155550123", null, null, null, null, null, null)))
                    .hasMessageContaining("the commit failed");
            assertThat(messaging.accepted().size()).isZero();
            long messages = db.read(h -> h.createQuery("SELECT COUNT(*) FROM messages").mapTo(Long.class).one());
            assertThat(messages).isZero();
        });
    }

    @Test
    void the_worker_sends_what_it_was_handed_and_what_it_had_to_read() {
        withRig((db, rig) -> {
            SendMessage send = rig.messaging().send();
            UUID handed = send.send(command(rig, "+14155550123", null, null, null, null, null, null)).message().id();
            UUID read = send.send(command(rig, "+14155550124", null, null, null, null, null, null)).message().id();
            rig.messaging().accepted().drop(read); // as if another process had accepted it
            assertThat(rig.messaging().accepted().size()).isEqualTo(1);
            rig.drain();
            assertThat(rig.messaging().accepted().size()).isZero();
            for (UUID id : new UUID[] {handed, read}) {
                assertThat(db.read(h -> store.findById(h, id)).orElseThrow().status()).isEqualTo(MessageStatus.SENT);
            }
        });
    }

    @Test
    void a_retry_after_a_failure_in_another_process_reads_the_row_not_the_entry_from_the_acceptance() {
        withRig((db, rig) -> {
            UUID id = rig.messaging().send().send(command(rig, "+14155550123", null, null, null, null, null, null))
                    .message().id();
            // another process claims the acceptance's job (its own handoff is empty) and the backend refuses the send
            RecordingChannel refusing = new RecordingChannel() {
                @Override
                public dev.msgbubbles.channel.SendResult send(dev.msgbubbles.channel.OutboundMessage message) {
                    return new dev.msgbubbles.channel.SendResult.Rejected("blocked", "refused by the carrier");
                }
            };
            Messaging other = new Messaging(new Messaging.Dependencies(db, db, clock, new NumberDirectory(db, clock),
                    new IdempotencyStore(clock, Duration.ofHours(72)), rig.queue(), new ChannelRouter(refusing, Map.of()),
                    new EventLog(EventLog.Fanout.NONE), null), new Messaging.Policy(Duration.ofHours(1), 0, 0), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            try (dev.msgbubbles.queue.Worker worker = new dev.msgbubbles.queue.Worker(db, rig.queue(), other.jobHandlers(),
                    clock, new dev.msgbubbles.queue.Worker.Settings(8, Duration.ofSeconds(30), Duration.ofMillis(50)))) {
                worker.drain();
            }
            assertThat(db.read(h -> store.findById(h, id)).orElseThrow().status()).isEqualTo(MessageStatus.FAILED);
            assertThat(rig.messaging().accepted().size()).isEqualTo(1); // this process's entry from the acceptance

            clock.advance(Duration.ofSeconds(5));
            rig.messaging().actions().retry(rig.principal(), id);
            rig.drain();

            Message sent = db.read(h -> store.findById(h, id)).orElseThrow();
            assertThat(sent.status()).isEqualTo(MessageStatus.SENT);
            assertThat(sent.retryCount()).isEqualTo(1);
            String sentEvent = dev.msgbubbles.support.StoredEvents.all(db).stream()
                    .filter(e -> e.type() == dev.msgbubbles.event.EventType.MESSAGE_SENT)
                    .filter(e -> e.payload().contains("\"id\":\"" + id + "\"")).reduce((a, b) -> b).orElseThrow().payload();
            assertThat(sentEvent).contains("\"retry_count\":1");
            assertThat(rig.messaging().accepted().size()).isZero();
        });
    }
}
