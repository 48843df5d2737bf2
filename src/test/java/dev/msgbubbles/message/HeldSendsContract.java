package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.StoredEvents;
import dev.msgbubbles.support.TestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A send recorded with {@link Lifecycle#sentLater} (on PostgreSQL held to the end of its transaction and made there
 * with the transaction's other sends, one statement for all; on SQLite at once) reads, to everything else in the
 * transaction and after it, as if it had been made where it was given: a receipt after it in the same transaction
 * finds the message sent, a second send of the same message finds the guard closed, a message no longer waiting is
 * left alone, and the events come in the order the sends were given, each once.
 */
abstract class HeldSendsContract {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private final MessageStore store = new MessageStore();
    private final Lifecycle lifecycle = new Lifecycle(store, new EventLog(EventLog.Fanout.NONE));

    abstract TestStore newStore();

    private void withRig(MessagingRig.Body body) {
        MessagingRig.with(newStore(), clock, EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), body);
    }

    private static UUID accept(MessagingRig rig, String to) {
        var result = rig.messaging().send().send(new SendMessage.Command(rig.principal(), null, null, to,
                MessagingRig.NUMBER, null, "hello", null, null, null, null, null, null, null));
        return result.message().id();
    }

    private Lifecycle.Sending sending(Database db, UUID id, List<MessageStatus> due) {
        Message before = db.read(h -> store.findById(h, id)).orElseThrow();
        return Lifecycle.sending(before, ChannelType.IMESSAGE, null, due, clock.instant());
    }

    private static List<String> statuses(Database db, MessageStore store, UUID id) {
        return db.read(h -> store.timeline(h, id)).stream().map(MessageView.TimelineEntry::status).toList();
    }

    /** The types of the events about message {@code id}, in cursor order. */
    private static List<String> events(Database db, UUID id) {
        return StoredEvents.all(db).stream().filter(e -> e.payload().contains("\"id\":\"" + id + "\""))
                .map(e -> e.type().wire()).toList();
    }

    @Test
    void a_receipt_after_a_held_send_in_the_same_transaction_finds_the_message_sent() {
        withRig((db, rig) -> {
            UUID id = accept(rig, "+14155550101");
            Lifecycle.Sending sending = sending(db, id, List.of());
            clock.advance(Duration.ofSeconds(1));
            db.writeVoid(tx -> {
                lifecycle.sentLater(tx, sending);
                assertThat(lifecycle.delivered(tx, id, clock.instant())).isTrue();
            });
            assertThat(db.read(h -> store.findById(h, id)).orElseThrow().status()).isEqualTo(MessageStatus.DELIVERED);
            assertThat(statuses(db, store, id)).containsExactly("queued", "sent", "delivered");
            assertThat(events(db, id)).containsExactly("message.queued", "message.sent", "message.delivered");
        });
    }

    @Test
    void the_same_send_twice_in_one_transaction_is_made_once() {
        withRig((db, rig) -> {
            UUID id = accept(rig, "+14155550102");
            Lifecycle.Sending sending = sending(db, id, List.of(MessageStatus.DELIVERED));
            db.writeVoid(tx -> {
                lifecycle.sentLater(tx, sending);
                lifecycle.sentLater(tx, sending);
            });
            assertThat(statuses(db, store, id)).containsExactly("queued", "sent", "delivered");
            assertThat(events(db, id)).containsExactly("message.queued", "message.sent", "message.delivered");
        });
    }

    @Test
    void a_message_no_longer_waiting_is_left_alone_and_the_others_of_the_transaction_are_made() {
        withRig((db, rig) -> {
            UUID failed = accept(rig, "+14155550103");
            UUID waiting = accept(rig, "+14155550104");
            Lifecycle.Sending late = sending(db, failed, List.of());
            Lifecycle.Sending fine = sending(db, waiting, List.of());
            db.writeVoid(tx -> assertThat(lifecycle.failed(tx, failed, "invalid_handle", "no", null, clock.instant())).isTrue());
            db.writeVoid(tx -> {
                lifecycle.sentLater(tx, late);
                lifecycle.sentLater(tx, fine);
            });
            assertThat(db.read(h -> store.findById(h, failed)).orElseThrow().status()).isEqualTo(MessageStatus.FAILED);
            assertThat(statuses(db, store, failed)).containsExactly("queued", "failed");
            assertThat(events(db, failed)).containsExactly("message.queued", "message.failed");
            assertThat(db.read(h -> store.findById(h, waiting)).orElseThrow().status()).isEqualTo(MessageStatus.SENT);
            assertThat(events(db, waiting)).containsExactly("message.queued", "message.sent");
        });
    }

    @Test
    void many_held_sends_are_all_made_and_their_events_keep_the_order_they_were_given_in() {
        withRig((db, rig) -> {
            List<Lifecycle.Sending> sendings = new ArrayList<>();
            for (int i = 0; i < 300; i++) { // more than one statement's worth (256)
                sendings.add(sending(db, accept(rig, String.format("+1415556%04d", i)), List.of(MessageStatus.DELIVERED)));
            }
            List<Lifecycle.Sending> given = new ArrayList<>(sendings);
            java.util.Collections.reverse(given); // not the order they were accepted in
            db.writeVoid(tx -> given.forEach(s -> lifecycle.sentLater(tx, s)));
            List<String> sentOrder = StoredEvents.all(db).stream().filter(e -> e.type().wire().equals("message.sent"))
                    .map(e -> e.payload().substring(7, 43)).toList();
            assertThat(sentOrder).containsExactlyElementsOf(given.stream().map(s -> s.id().toString()).toList());
            for (Lifecycle.Sending s : sendings) {
                assertThat(statuses(db, store, s.id())).containsExactly("queued", "sent", "delivered");
            }
        });
    }
}
