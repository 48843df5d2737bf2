package dev.msgbubbles.message;

import dev.msgbubbles.channel.SendResult;
import dev.msgbubbles.chat.ConversationStore;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.db.Writes;
import org.jdbi.v3.core.Handle;
import dev.msgbubbles.queue.Job;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Applies something a network reported about a sent message once it came due (job kind {@value #KIND};
 * payload: the {@link SendResult.Signal}s due together, joined by {@code +}, then {@code |contact} when a group member
 * does them): receipts move the
 * status forward; a simulated contact's typing, reply and reaction become events and an inbound message (into the
 * group, for a group message). Everything, including completing the job, commits at once.
 */
final class FollowUpJob implements JobHandler {
    static final String KIND = "message_follow_up";

    private final Writes writes;
    private final JobQueue queue;
    private final Lifecycle lifecycle;
    private final ReceiveMessage receive;
    private final MessageStore store = new MessageStore();

    FollowUpJob(Writes writes, JobQueue queue, Lifecycle lifecycle, ReceiveMessage receive) {
        this.writes = writes;
        this.queue = queue;
        this.lifecycle = lifecycle;
        this.receive = receive;
    }

    /**
     * A 0777 contact's reply to {@code text}: {@code echo: <text>}, cut to the longest text a message may have (an echo
     * of a message at that limit would be longer than any the API accepts or documents), never in a surrogate pair.
     */
    static String echo(String text) {
        String echo = "echo: " + (text == null ? "" : text);
        if (echo.codePointCount(0, echo.length()) <= SendMessage.MAX_TEXT) {
            return echo;
        }
        return echo.substring(0, echo.offsetByCodePoints(0, SendMessage.MAX_TEXT));
    }

    /**
     * The jobs of message {@code id}'s {@code followUps}: those one contact (or the recipient) makes due at one time
     * are one job, which applies them in the order the network listed them, so that they happen in that order
     * whichever worker runs what first (a {@code 0777} contact at time scale 0 types, replies and likes at once; as
     * three jobs on two workers the like could come before the reply, or the typing after it, leaving them typing).
     */
    static List<JobQueue.NewJob> jobs(UUID id, List<SendResult.FollowUp> followUps, Instant now) {
        if (followUps.isEmpty()) {
            return List.of(); // every send at time scale 0 (its receipts applied with it): nothing to group
        }
        Map<List<Object>, List<SendResult.FollowUp>> together = new LinkedHashMap<>();
        for (SendResult.FollowUp followUp : followUps) {
            together.computeIfAbsent(Arrays.asList(followUp.after(), followUp.contact()), key -> new ArrayList<>())
                    .add(followUp);
        }
        List<JobQueue.NewJob> jobs = new ArrayList<>(together.size());
        together.values().forEach(group -> jobs.add(new JobQueue.NewJob(KIND, id.toString(), null, payload(group),
                now.plus(group.getFirst().after()))));
        return jobs;
    }

    /** The job payload of follow-ups due together: their signals joined by {@code +}, then {@code |contact}. */
    private static String payload(List<SendResult.FollowUp> group) {
        String signals = group.stream().map(followUp -> followUp.signal().name()).collect(Collectors.joining("+"));
        String contact = group.getFirst().contact();
        return contact == null ? signals : signals + "|" + contact;
    }

    @Override
    public void handle(Job job, Instant now) {
        UUID id = UUID.fromString(job.subject());
        String[] parts = job.payload().split("\\|", 2);
        List<SendResult.Signal> signals = Arrays.stream(parts[0].split("\\+")).map(SendResult.Signal::valueOf).toList();
        String contact = parts.length > 1 ? parts[1] : null;
        writes.writeVoid(tx -> {
            for (SendResult.Signal signal : signals) {
                apply(tx, id, signal, contact, now);
            }
            queue.complete(tx, job);
        });
    }

    /**
     * Applies one signal in the caller's transaction. {@code contact} is the group member who does it; null means
     * the recipient of a direct message.
     */
    void apply(Handle tx, UUID id, SendResult.Signal signal, String contact, Instant now) {
        switch (signal) {
            case DELIVERED -> lifecycle.delivered(tx, id, now);
            case READ -> lifecycle.read(tx, id, now);
            // locked: a reply or like changes nothing on the message, so without the lock an unsend committing between
            // this read and this commit (PostgreSQL) would go unnoticed, and the contact would answer a message gone
            // from their device
            case TYPING, REPLY, LIKE -> store.findByIdForUpdate(tx, id).ifPresent(message -> {
                String who = contact != null ? contact : message.to();
                UUID group = message.to() == null ? message.conversationId() : null;
                if (group != null && !ConversationStore.isMember(tx, group, who)) {
                    return; // removed from the group since the message went out: they no longer write or type in it
                }
                // a message unsent before the contact answered it is gone from their device: they neither echo nor
                // like it (as we cannot react to it either); they still stop typing
                boolean gone = message.status() == MessageStatus.UNSENT;
                switch (signal) {
                    case TYPING -> receive.typingIn(tx, message.accountId(), message.mode(), message.fromHandle(), who,
                            group, true, now);
                    case REPLY -> {
                        if (message.channel() != ChannelType.SMS) { // SMS has no typing indicator to take down
                            receive.typingIn(tx, message.accountId(), message.mode(), message.fromHandle(), who, group,
                                    false, now);
                        }
                        // a message of media only has no text: its echo is "echo: " with nothing after it
                        String echo = echo(message.text());
                        // a reply is an inbound message like any other: one that is a passcode (the echo of a code we
                        // sent) is dropped before anything is stored, as ReceiveMessage#receive drops it
                        if (!gone && !OneTimePasscodes.isPasscode(echo)) {
                            receive.receiveIn(tx, new ReceiveMessage.Inbound(message.accountId(), message.mode(),
                                    message.fromHandle(), who, group, echo, message.channel(), null), now);
                        }
                    }
                    default -> {
                        if (!gone) {
                            receive.reactionIn(tx, message, who, "like", now);
                        }
                    }
                }
            });
        }
    }
}
