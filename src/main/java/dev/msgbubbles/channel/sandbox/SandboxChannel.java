package dev.msgbubbles.channel.sandbox;

import dev.msgbubbles.channel.ActionResult;
import dev.msgbubbles.channel.Channel;
import dev.msgbubbles.channel.ChatAction;
import dev.msgbubbles.channel.MessageAction;
import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.channel.SendResult;
import dev.msgbubbles.channel.SendResult.FollowUp;
import dev.msgbubbles.channel.SendResult.Signal;
import dev.msgbubbles.common.ChannelType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulated network. Recipients by the last four digits of an E.164 number (emails behave as default):
 * default: on iMessage, delivered then read; {@code 02xx}: not on iMessage (SMS), delivered, never read;
 * {@code 0404}: delivered, never read; {@code 0503}: unavailable for the first two attempts; {@code 0666}:
 * permanent failure {@code recipient_unreachable}; {@code 0777}: default, and the contact types 100 ms after
 * delivery, then 1 s after reading replies {@code echo: <text>} and reacts {@code like}. Timing at scale 1.0:
 * delivered 200 ms after sent, read 1 s after delivered; scale 0 makes everything due at once. The sandbox is
 * stateless: what happens later is returned as follow-ups, which the core stores durably.
 *
 * <p>Groups: a group message is delivered but never read (iMessage groups send no read receipts); it fails for
 * good if any member is {@code 0666} (so such a group is never established), waits out two attempts if any member
 * is {@code 0503}, and every {@code 0777} member types, replies into the group and reacts. Synchronous thread
 * operations (rename, add, remove, read receipts, typing) succeed, except: the backend is unavailable for any
 * operation on a thread with a {@code 0503} contact in it, or adding one; adding a {@code 0666} contact is
 * refused as unreachable and a {@code 02xx} one as not on iMessage.
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
    public ActionResult act(MessageAction action) {
        return new ActionResult.Done();
    }

    @Override
    public ActionResult control(ChatAction action) {
        List<String> involved = new ArrayList<>(action.thread().participants());
        if (action instanceof ChatAction.AddParticipant add) {
            involved.add(add.handle());
        }
        if (involved.stream().anyMatch(handle -> recipient(handle) == Recipient.FLAKY)) {
            return new ActionResult.RetryLater("sandbox backend unavailable", scaled(UNAVAILABLE_RETRY));
        }
        if (action instanceof ChatAction.AddParticipant add) {
            switch (recipient(add.handle())) {
                case UNREACHABLE -> {
                    return new ActionResult.Rejected("recipient_unreachable", add.handle() + " cannot be reached");
                }
                case ANDROID -> {
                    return new ActionResult.Rejected("not_registered", add.handle() + " is not on iMessage");
                }
                default -> {
                }
            }
        }
        return new ActionResult.Done();
    }

    @Override
    public boolean onIMessage(String handle) {
        return recipient(handle) != Recipient.ANDROID;
    }

    @Override
    public SendResult send(OutboundMessage message) {
        SendResult unreadable = readMedia(message);
        if (unreadable != null) {
            return unreadable;
        }
        if (message.group() != null) {
            return sendToGroup(message);
        }
        Recipient recipient = recipient(message.to());
        if (recipient == Recipient.UNREACHABLE) {
            return new SendResult.Rejected("recipient_unreachable", "the recipient cannot be reached");
        }
        if (recipient == Recipient.FLAKY && message.attempt() <= 2) {
            return unavailable(message);
        }
        if (message.channel() == ChannelType.IMESSAGE && recipient == Recipient.ANDROID) {
            return new SendResult.Rejected("not_registered", "the recipient is not on iMessage");
        }
        Duration delivered = scaled(DELIVERED_AFTER);
        boolean reads = recipient != Recipient.ANDROID && recipient != Recipient.NEVER_READS
                && message.channel() != ChannelType.SMS;
        Duration read = delivered.plus(scaled(READ_AFTER_DELIVERED));
        List<FollowUp> followUps = new ArrayList<>();
        followUps.add(new FollowUp(delivered, Signal.DELIVERED));
        if (reads) {
            followUps.add(new FollowUp(read, Signal.READ));
        }
        if (recipient == Recipient.CHATTY) {
            chatter(followUps, delivered, read, null, message.channel());
        }
        return new SendResult.Accepted(message.channel(), "sandbox-" + message.messageId(), followUps);
    }

    private SendResult sendToGroup(OutboundMessage message) {
        List<String> members = message.group().participants();
        if (message.channel() != ChannelType.IMESSAGE) {
            return new SendResult.Rejected("not_registered", "groups are iMessage only");
        }
        for (String member : members) {
            switch (recipient(member)) {
                case UNREACHABLE -> {
                    return new SendResult.Rejected("recipient_unreachable", member + " cannot be reached");
                }
                case ANDROID -> {
                    return new SendResult.Rejected("not_registered", member + " is not on iMessage");
                }
                default -> {
                }
            }
        }
        if (message.attempt() <= 2 && members.stream().anyMatch(member -> recipient(member) == Recipient.FLAKY)) {
            return unavailable(message);
        }
        Duration delivered = scaled(DELIVERED_AFTER);
        Duration read = delivered.plus(scaled(READ_AFTER_DELIVERED)); // members read; groups just never say so
        List<FollowUp> followUps = new ArrayList<>();
        followUps.add(new FollowUp(delivered, Signal.DELIVERED));
        for (String member : members) {
            if (recipient(member) == Recipient.CHATTY) {
                chatter(followUps, delivered, read, member, ChannelType.IMESSAGE);
            }
        }
        return new SendResult.Accepted(ChannelType.IMESSAGE, "sandbox-" + message.messageId(), followUps);
    }

    /** The network takes every attachment's bytes, as a real one would; a short or unreadable one is refused. */
    private static SendResult readMedia(OutboundMessage message) {
        for (OutboundMessage.Media media : message.media()) {
            long read;
            try (java.io.InputStream in = media.content().open()) {
                read = in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (java.io.IOException e) {
                read = -1;
            }
            if (read != media.sizeBytes()) {
                return new SendResult.Rejected("media_unreadable", media.filename() + " could not be read");
            }
        }
        return null;
    }

    /**
     * A {@code 0777} contact types after delivery, then replies and reacts after reading. Over SMS, which has neither
     * typing indicators nor reactions (the API refuses both there), the contact only replies.
     */
    private void chatter(List<FollowUp> followUps, Duration delivered, Duration read, String contact, ChannelType channel) {
        boolean sms = channel == ChannelType.SMS;
        if (!sms) {
            followUps.add(new FollowUp(delivered.plus(scaled(TYPING_AFTER_DELIVERED)), Signal.TYPING, contact));
        }
        followUps.add(new FollowUp(read.plus(scaled(REPLY_AFTER_READ)), Signal.REPLY, contact));
        if (!sms) {
            followUps.add(new FollowUp(read.plus(scaled(REPLY_AFTER_READ)), Signal.LIKE, contact));
        }
    }

    private SendResult unavailable(OutboundMessage message) {
        return new SendResult.RetryLater("sandbox backend unavailable (attempt " + message.attempt() + ")",
                scaled(UNAVAILABLE_RETRY));
    }

    private Duration scaled(Duration duration) {
        return Duration.ofNanos((long) (duration.toNanos() * timeScale));
    }
}
