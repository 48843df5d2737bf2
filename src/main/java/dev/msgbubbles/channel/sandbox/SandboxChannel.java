package dev.msgbubbles.channel.sandbox;

import dev.msgbubbles.channel.Channel;
import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.channel.SendResult;
import dev.msgbubbles.channel.SendResult.FollowUp;
import dev.msgbubbles.channel.SendResult.Signal;
import dev.msgbubbles.common.ChannelType;
import java.time.Duration;
import java.util.List;

/**
 * The simulated network. Recipients by the last four digits of an E.164 number (emails behave as default):
 * default: on iMessage, delivered then read; {@code 02xx}: not on iMessage (SMS), delivered, never read;
 * {@code 0404}: delivered, never read; {@code 0503}: unavailable for the first two attempts; {@code 0666}:
 * permanent failure {@code recipient_unreachable}; {@code 0777}: default, and the contact types 100 ms after
 * delivery, then 1 s after reading replies {@code echo: <text>} and reacts {@code like}. Timing at scale 1.0:
 * delivered 200 ms after sent, read 1 s after delivered; scale 0 makes everything due at once. The sandbox is
 * stateless: what happens later is returned as follow-ups, which the core stores durably.
 */
public final class SandboxChannel implements Channel {
    static final Duration DELIVERED_AFTER = Duration.ofMillis(200);
    static final Duration READ_AFTER_DELIVERED = Duration.ofSeconds(1);
    static final Duration UNAVAILABLE_RETRY = Duration.ofSeconds(1);
    static final Duration TYPING_AFTER_DELIVERED = Duration.ofMillis(100);
    static final Duration REPLY_AFTER_READ = Duration.ofSeconds(1);

    private final double timeScale;

    public SandboxChannel(double timeScale) {
        this.timeScale = timeScale;
    }

    /** The behaviour of one recipient. */
    enum Recipient { DEFAULT, ANDROID, NEVER_READS, FLAKY, UNREACHABLE, CHATTY }

    static Recipient recipient(String handle) {
        if (handle == null || !handle.startsWith("+") || handle.length() < 5) {
            return Recipient.DEFAULT;
        }
        String last4 = handle.substring(handle.length() - 4);
        if (last4.startsWith("02")) {
            return Recipient.ANDROID;
        }
        return switch (last4) {
            case "0404" -> Recipient.NEVER_READS;
            case "0503" -> Recipient.FLAKY;
            case "0666" -> Recipient.UNREACHABLE;
            case "0777" -> Recipient.CHATTY;
            default -> Recipient.DEFAULT;
        };
    }

    /** The sandbox network honours every action on a message it carried. */
    @Override
    public dev.msgbubbles.channel.ActionResult act(dev.msgbubbles.channel.MessageAction action) {
        return new dev.msgbubbles.channel.ActionResult.Done();
    }

    @Override
    public boolean onIMessage(String handle) {
        return recipient(handle) != Recipient.ANDROID;
    }

    @Override
    public SendResult send(OutboundMessage message) {
        Recipient recipient = recipient(message.to());
        if (recipient == Recipient.UNREACHABLE) {
            return new SendResult.Rejected("recipient_unreachable", "the recipient cannot be reached");
        }
        if (recipient == Recipient.FLAKY && message.attempt() <= 2) {
            return new SendResult.RetryLater("sandbox backend unavailable (attempt " + message.attempt() + ")",
                    scaled(UNAVAILABLE_RETRY));
        }
        if (message.channel() == ChannelType.IMESSAGE && recipient == Recipient.ANDROID) {
            return new SendResult.Rejected("not_registered", "the recipient is not on iMessage");
        }
        Duration delivered = scaled(DELIVERED_AFTER);
        boolean reads = recipient != Recipient.ANDROID && recipient != Recipient.NEVER_READS
                && message.channel() != ChannelType.SMS;
        Duration read = delivered.plus(scaled(READ_AFTER_DELIVERED));
        List<FollowUp> followUps = new java.util.ArrayList<>();
        followUps.add(new FollowUp(delivered, Signal.DELIVERED));
        if (reads) {
            followUps.add(new FollowUp(read, Signal.READ));
        }
        if (recipient == Recipient.CHATTY) {
            followUps.add(new FollowUp(delivered.plus(scaled(TYPING_AFTER_DELIVERED)), Signal.TYPING));
            followUps.add(new FollowUp(read.plus(scaled(REPLY_AFTER_READ)), Signal.REPLY));
            followUps.add(new FollowUp(read.plus(scaled(REPLY_AFTER_READ)), Signal.LIKE));
        }
        return new SendResult.Accepted(message.channel(), "sandbox-" + message.messageId(), followUps);
    }

    private Duration scaled(Duration duration) {
        return Duration.ofNanos((long) (duration.toNanos() * timeScale));
    }
}
