package dev.msgbubbles.channel;

import dev.msgbubbles.common.ChannelType;
import java.time.Duration;
import java.util.List;

/** What a backend said about one send. Expected failures are values, never exceptions. */
public sealed interface SendResult {

    /**
     * The backend took the message on {@code channel}. {@code followUps} are receipts the backend already
     * knows it will report later (only simulated networks know this; real connectors report through webhooks
     * and return none).
     */
    record Accepted(ChannelType channel, String providerRef, List<FollowUp> followUps) implements SendResult {
    }

    /** The backend refused for good: the message fails with {@code code}. */
    record Rejected(String code, String message) implements SendResult {
    }

    /** The backend cannot take it now; try again after {@code after}. */
    record RetryLater(String reason, Duration after) implements SendResult {
    }

    /**
     * Something the network will report {@code after} the send. {@code contact} is who does it (a typing, reply or
     * reaction from one member of a group); null means the message's recipient.
     */
    record FollowUp(Duration after, Signal signal, String contact) {
        public FollowUp(Duration after, Signal signal) {
            this(after, signal, null);
        }
    }

    /**
     * What a network reports about a sent message: its receipts, and (from simulated contacts) the contact
     * starting to type, replying with {@code echo: <text>} and reacting {@code like}.
     */
    enum Signal { DELIVERED, READ, TYPING, REPLY, LIKE }
}
