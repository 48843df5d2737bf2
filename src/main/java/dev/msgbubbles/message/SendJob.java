package dev.msgbubbles.message;

import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.channel.Channel;
import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.channel.SendResult;
import dev.msgbubbles.chat.Conversation;
import dev.msgbubbles.chat.ConversationStore;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Handle;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.StoreUnavailable;
import dev.msgbubbles.db.Writes;
import dev.msgbubbles.queue.Job;
import dev.msgbubbles.queue.JobHandler;
import dev.msgbubbles.queue.JobQueue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands one queued message to its backend (job kind {@value #KIND}, lane = conversation, so a thread's messages
 * go out in the order they were accepted). Chooses the channel at send time: WhatsApp only when requested;
 * otherwise iMessage when the number serves it and the recipient is registered, else SMS. An iMessage send
 * refused as not registered falls back to SMS once. Transient refusals and an offline number are retried
 * until the retry window ends (counted from when the message was queued, by its acceptance or a retry, or from its
 * scheduled time; for a paced send that had to book a slot, from that first booked slot if later, since a wait for a
 * slot is no wait for an offline number or a failing backend: see {@link PacedWindow}); then the message fails.
 *
 * <p>A scheduled message joins its thread's order at its time, not at its acceptance: its first job has no lane and
 * only moves it into the lane when it comes due ({@link #joinThread}), so a message scheduled for next week never
 * holds up the thread's messages sent meanwhile, and goes after those still waiting when its time comes.
 */
final class SendJob implements JobHandler {
    static final String KIND = "send_message";
    /**
     * The payload of the job that the accepting send enqueues (others, e.g. a retry's, have none). Only that job takes
     * its message from {@link AcceptedSends}: a later job for the same message may follow changes made in another
     * process (failed there, then retried), which this process's entry from the acceptance does not show.
     */
    static final String ACCEPTANCE = "acceptance";
    /**
     * How often a send held for an offline number looks at it again. Seldom, since a number may hold thousands of sends
     * for hours; a number set back online wakes its held sends at once instead ({@link HeldSends}).
     */
    static final Duration OFFLINE_RECHECK = Duration.ofSeconds(30);

    /** The job's note while it is held for its offline number {@code handle}: what {@link HeldSends} wakes. */
    static String heldFor(String handle) {
        return "the sending number " + handle + " is offline";
    }

    /**
     * How long a scheduled message whose time has come waits, each time, for a message of its thread scheduled before
     * it that another worker claimed to join the thread first ({@link ScheduledTurns}).
     */
    static final Duration TURN_WAIT = Duration.ofMillis(250);

    /**
     * The job the accepting send enqueues: in the thread's lane, due now; for a scheduled message, outside any lane,
     * due at its time, with its thread as payload (see {@link #joinThread} and {@link ScheduledTurns}).
     */
    static JobQueue.NewJob firstJob(Message message, Instant now) {
        return message.scheduledAt() == null
                ? new JobQueue.NewJob(KIND, message.id().toString(), message.conversationId().toString(), ACCEPTANCE, now)
                : new JobQueue.NewJob(KIND, message.id().toString(), null, message.conversationId().toString(),
                        message.scheduledAt());
    }

    private final Database db;
    private final Writes writes;
    private final JobQueue queue;
    private final MessageStore store;
    private final ConversationStore conversations;
    private final MediaPreparation media;
    private final Lifecycle lifecycle;
    private final NumberDirectory numbers;
    private final ChannelRouter router;
    private final Duration retryWindow;
    private final AttachmentLinks links;
    private final Pacing pacing;
    private final AcceptedSends accepted;
    private final java.time.Clock clock;
    private final SendOutcomes outcomes;

    /** Per-number paces: one for real backends, one for the sandbox network. */
    record Pacing(NumberPacing providers, NumberPacing sandbox) {
    }

    SendJob(Messaging.Dependencies d, Lifecycle lifecycle, AcceptedSends accepted, Duration retryWindow, Pacing pacing,
            SendOutcomes outcomes) {
        this.db = d.db();
        this.writes = d.writes();
        this.queue = d.queue();
        this.store = new MessageStore();
        this.conversations = new ConversationStore(d.clock());
        this.media = new MediaPreparation(d.attachments());
        this.links = new AttachmentLinks(d.attachments(), store);
        this.lifecycle = lifecycle;
        this.numbers = d.numbers();
        this.router = d.router();
        this.retryWindow = retryWindow;
        this.pacing = pacing;
        this.accepted = accepted;
        this.clock = d.clock();
        this.outcomes = outcomes;
    }

    /**
     * Messages of a claimed batch, each taken by its job's run: handed over by this process's sends where it accepted
     * them (see {@link AcceptedSends}), the others read in one query.
     */
    private final Map<UUID, Message> prefetched = new ConcurrentHashMap<>();

    @Override
    public void prepare(List<Job> jobs) {
        List<UUID> unknown = new ArrayList<>();
        for (Job job : jobs) {
            UUID id = UUID.fromString(job.subject());
            Message handed = accepted.take(id); // taken in any case: an entry is never of use later
            if (handed != null && ACCEPTANCE.equals(job.payload())) {
                prefetched.put(id, handed);
            } else {
                unknown.add(id);
            }
        }
        if (!unknown.isEmpty()) {
            db.read(h -> store.findByIds(h, unknown)).forEach(message -> prefetched.put(message.id(), message));
        }
        joinDue(jobs);
    }

    /** Scheduled messages of the claimed batch that {@link #joinDue} moved into their threads: their runs only end. */
    private final java.util.Set<UUID> joined = ConcurrentHashMap.newKeySet();

    /**
     * Moves the batch's scheduled messages whose time has come into their threads' lanes (see {@link #joinThread}), in
     * one transaction and in the order of their times, then of their acceptance: messages of a thread scheduled for
     * the same moment (or overdue together after a restart) go out in that order, which joins made by the jobs' runs
     * side by side did not keep. A message whose thread has an earlier one still outside the lane, claimed by another
     * worker, is left to its run, which waits its turn ({@link ScheduledTurns}), and so are the thread's later ones in
     * the batch. If this fails, each run joins its own message.
     */
    private void joinDue(List<Job> jobs) {
        List<Job> due = new ArrayList<>();
        for (Job job : jobs) {
            Message message = prefetched.get(UUID.fromString(job.subject()));
            if (job.lane() == null && message != null && message.status() == MessageStatus.SCHEDULED) {
                due.add(job);
            }
        }
        if (due.isEmpty()) {
            return;
        }
        due.sort(java.util.Comparator.comparing((Job job) -> prefetched.get(UUID.fromString(job.subject())).scheduledAt())
                .thenComparingLong(Job::seq));
        Instant now = clock.instant();
        Map<UUID, List<Job>> byThread = new java.util.LinkedHashMap<>();
        for (Job job : due) {
            byThread.computeIfAbsent(prefetched.get(UUID.fromString(job.subject())).conversationId(), t -> new ArrayList<>())
                    .add(job);
        }
        List<UUID> moved = writes.write(tx -> {
            List<UUID> done = new ArrayList<>();
            byThread.forEach((thread, mine) -> {
                ScheduledTurns.Turn last = turn(mine.getLast());
                Optional<ScheduledTurns.Turn> other = ScheduledTurns.firstOther(tx, thread,
                        mine.stream().map(Job::subject).toList(), last);
                for (Job job : mine) {
                    if (other.isPresent() && other.get().compareTo(turn(job)) < 0) {
                        break; // this one and the thread's later ones wait their turn in their runs
                    }
                    join(tx, job, prefetched.get(UUID.fromString(job.subject())), now);
                    done.add(UUID.fromString(job.subject()));
                }
            });
            return done;
        });
        joined.addAll(moved);
    }

    private ScheduledTurns.Turn turn(Job job) {
        return ScheduledTurns.Turn.of(job, prefetched.get(UUID.fromString(job.subject())));
    }

    @Override
    public void handle(Job job, Instant now) {
        UUID id = UUID.fromString(job.subject());
        Message read = prefetched.remove(id);
        if (job.lane() == null && joined.remove(id)) {
            return; // moved into its thread by joinDue, with this job completed
        }
        Optional<Message> found = read != null ? Optional.of(read) : db.read(h -> store.findById(h, id));
        if (found.isEmpty() || found.get().status().rank() > MessageStatus.QUEUED.rank()
                || found.get().status() == MessageStatus.FAILED) {
            writes.writeVoid(tx -> queue.complete(tx, job)); // already decided (e.g. a retried job after a crash)
            return;
        }
        Message message = found.get();
        if (job.lane() == null && message.status() == MessageStatus.SCHEDULED) {
            joinThread(job, message, now);
            return;
        }
        Optional<AccountNumber> number = numbers.owned(message.accountId(), message.mode(), message.fromHandle());
        if (number.isEmpty()) {
            fail(job, id, "invalid_from_handle", "the sending number is no longer assigned to the account", null, now);
            return;
        }
        if (!numbers.accountActive(message.accountId())) {
            // as hosted services do (Twilio's 30002): suspended between acceptance and sending, the send fails and is
            // not held; once the account is active again, POST /v1/messages/:id/retry sends it
            fail(job, id, "account_suspended", "the account was suspended before the message went out", null, now);
            return;
        }
        NumberPacing pace = ChannelRouter.usesSandbox(number.get()) ? pacing.sandbox() : pacing.providers();
        Instant own = windowStart(message);
        Window window = new Window(PacedWindow.start(own, job.payload()).plus(retryWindow), own, pace.paced(),
                false);
        if (number.get().status() == AccountNumber.Status.OFFLINE) {
            retryOrFail(job, id, "device_offline", "the sending number is offline", heldFor(number.get().handle()),
                    OFFLINE_RECHECK, false, window, now);
            return;
        }
        if (!pace.paced()) {
            send(job, message, number.get(), window, now);
            return;
        }
        if (!takeSlot(job, pace, number.get().handle(), window)) {
            return; // paced, not failed: the job keeps its place in its thread and comes back when the number has a slot
        }
        Window slotted = new Window(window.deadline(), own, true, true);
        try {
            send(job, message, number.get(), slotted, now);
        } catch (RuntimeException e) {
            // the worker retries it after a backoff: with the payload a retry of this run keeps (see payloadForRetry)
            retryPayloads.put(job.seq(), onRetry(job, slotted));
            throw e;
        }
    }

    /**
     * A run's retry window: its {@code deadline}; {@code own}, where its message's window starts
     * ({@link #windowStart}); whether its number is {@code paced}, and whether the run had its slot ({@code slotted}).
     * The last three say what the job's payload notes of the window when the run puts it off (see {@link PacedWindow}).
     */
    private record Window(Instant deadline, Instant own, boolean paced, boolean slotted) {
    }

    /** Hands the message to its backend, in its slot if paced, and records the answer. */
    private void send(Job job, Message message, AccountNumber number, Window window, Instant now) {
        UUID id = message.id();
        Channel channel = router.forNumber(number);
        if (message.to() == null) {
            sendToGroup(job, message, number, channel, window, now);
            return;
        }
        Optional<ChannelType> choice = choose(message, number, channel);
        if (choice.isEmpty()) {
            fail(job, id, "recipient_unreachable", "none of the number's channels reaches the recipient", null, now);
            return;
        }
        MediaPreparation.Result prepared = media.prepare(message, choice.get());
        if (prepared instanceof MediaPreparation.Failed failed) {
            mediaFailed(job, id, failed, false, window, now);
            return;
        }
        try {
            SendResult result;
            try {
                result = channel.send(outbound(message, choice.get(), job.attempts(), null,
                        ((MediaPreparation.Ready) prepared).media()));
            } finally {
                media.release(prepared); // also when the backend threw: what was converted is held until released
            }
            String detail = null;
            if (result instanceof SendResult.Rejected rejected && rejected.code().equals("not_registered")
                    && choice.get() == ChannelType.IMESSAGE && smsReaches(message, number)) {
                detail = "fallback from imessage: " + rejected.message();
                MediaPreparation.Result forSms = media.prepare(message, ChannelType.SMS);
                if (forSms instanceof MediaPreparation.Failed failed) {
                    mediaFailed(job, id, failed, true, window, now); // the iMessage try was made
                    return;
                }
                try {
                    result = channel.send(outbound(message, ChannelType.SMS, job.attempts(), null,
                            ((MediaPreparation.Ready) forSms).media()));
                } finally {
                    media.release(forSms);
                }
            }
            apply(job, message, result, detail, null, window, now);
        } catch (StoreUnavailable e) {
            afterHandoff.add(job.seq()); // the backend had the message: this run was an attempt (see triedBefore)
            throw e;
        }
    }

    /**
     * The number's send slot ({@link NumberPacing}): the one this job booked, if it still holds, or one taken now,
     * committed before the backend is asked (a crash after that only wastes the slot; a send without it could go beside
     * another process's); or else {@code job} is rescheduled to the slot it booked, noting the booking in its payload,
     * in the transaction that booked it. Returns whether the job may send. Only paced sends come here.
     */
    private boolean takeSlot(Job job, NumberPacing pace, String handle, Window window) {
        String payload = job.payload();
        String note = PacedWindow.note(payload);
        NumberPacing.Booking held = NumberPacing.Booking.of(PacedWindow.rest(payload));
        Instant at = clock.instant();
        // put back, not rescheduled: waiting for the slot is no attempt (the backend's attempt number counts tries).
        // A booking notes where the send's retry window starts: its first fixes it (see PacedWindow), later ones keep it
        return pace.take(handle, at, held, (tx, due, booking) -> queue.putBack(tx, job, due, "paced",
                booking != null
                        ? PacedWindow.payload(PacedWindow.booked(note, window.own(), booking.slotNanos(), at),
                                booking.payload())
                        : held != null ? note : payload)).isZero();
    }

    /**
     * A scheduled message whose time has come takes its place at the end of its thread's lane, behind the messages
     * still waiting there (and cancellable until a worker claims it, as before its time): this job is replaced by one
     * in the lane, due now, in one transaction. ({@link #joinDue} does this for a claimed batch at once; this is for a
     * job it could not take.)
     */
    private void joinThread(Job job, Message message, Instant now) {
        writes.writeVoid(tx -> {
            if (ScheduledTurns.firstOther(tx, message.conversationId(), List.of(job.subject()),
                    ScheduledTurns.Turn.of(job, message)).isPresent()) {
                queue.putBack(tx, job, now.plus(TURN_WAIT), "waiting for a message of its thread scheduled before it");
            } else {
                join(tx, job, message, now);
            }
        });
    }

    /**
     * Replaces {@code job} (outside any lane) with one in its thread's lane, due at once, in {@code tx}; the message's
     * attachment links, signed when it was scheduled, are signed again ({@link AttachmentLinks}).
     */
    private void join(org.jdbi.v3.core.Handle tx, Job job, Message message, Instant now) {
        links.renew(tx, message);
        queue.complete(tx, job);
        queue.enqueue(tx, new JobQueue.NewJob(KIND, message.id().toString(), message.conversationId().toString(), null,
                now), now);
    }

    /**
     * Where a message's retry window starts: its scheduled time while scheduled; otherwise when it was last queued,
     * which its {@code updated_at} says (nothing else changes a queued message: acceptance sets it, and a retry moves
     * it there anew, so a retried message gets a whole window of its own, not what was left of the first one). A paced
     * send's starts at its first booked slot if that is later, as its job's payload notes ({@link PacedWindow}); the
     * job a retry enqueues notes none, so the retry's window, too, is whole.
     */
    static Instant windowStart(Message message) {
        Instant queued = message.updatedAt();
        return message.scheduledAt() != null && message.scheduledAt().isAfter(queued) ? message.scheduledAt() : queued;
    }

    /**
     * A group message goes over iMessage only, to the members the group has now. The first message the network
     * accepts establishes the group (the network creates it with that message), in the transaction that records
     * the send.
     */
    private void sendToGroup(Job job, Message message, AccountNumber number, Channel channel, Window window, Instant now) {
        if (!number.channels().contains(ChannelType.IMESSAGE)) {
            fail(job, message.id(), "recipient_unreachable", "groups are iMessage only and the number has no iMessage", null,
                    now);
            return;
        }
        Conversation group = db.read(h -> conversations.findById(h, message.conversationId())).orElseThrow();
        OutboundMessage.Group recipients = new OutboundMessage.Group(group.id(), group.participants(), group.title(),
                group.established());
        MediaPreparation.Result prepared = media.prepare(message, ChannelType.IMESSAGE);
        if (prepared instanceof MediaPreparation.Failed failed) {
            mediaFailed(job, message.id(), failed, false, window, now);
            return;
        }
        try {
            SendResult result;
            try {
                result = channel.send(outbound(message, ChannelType.IMESSAGE, job.attempts(), recipients,
                        ((MediaPreparation.Ready) prepared).media()));
            } finally {
                media.release(prepared);
            }
            apply(job, message, result, null, group.established() ? null : group.id(), window, now);
        } catch (StoreUnavailable e) {
            afterHandoff.add(job.seq());
            throw e;
        }
    }

    /**
     * Records the backend's answer; {@code detail} says the send fell back from iMessage to SMS (null if not);
     * {@code establishes} is the group this send creates on the network, if any.
     */
    private void apply(Job job, Message message, SendResult result, String detail, UUID establishes, Window window,
                       Instant now) {
        switch (result) {
            case SendResult.Accepted accepted -> {
                // receipts already due (sandbox at time scale 0) are applied with the send, in this transaction;
                // everything else the backend announced becomes a follow-up job
                List<MessageStatus> due = new ArrayList<>(2);
                List<SendResult.FollowUp> afterwards = new ArrayList<>();
                for (SendResult.FollowUp followUp : accepted.followUps()) {
                    if (followUp.after().isZero() && followUp.signal() == SendResult.Signal.DELIVERED) {
                        due.add(MessageStatus.DELIVERED);
                    } else if (followUp.after().isZero() && followUp.signal() == SendResult.Signal.READ) {
                        due.add(MessageStatus.READ);
                    } else {
                        afterwards.add(followUp);
                    }
                }
                List<JobQueue.NewJob> later = FollowUpJob.jobs(message.id(), afterwards, now);
                Lifecycle.Sending sending = Lifecycle.sending(message, accepted.channel(), detail, due, now);
                String affinity = ConversationStore.affinity(message.accountId(), message.mode(), message.fromHandle(),
                        message.to() != null ? message.to() : message.conversationId().toString());
                if (later.isEmpty() && establishes == null) {
                    // nothing here depends on whether the message was still waiting: the update may wait for the
                    // transaction's end, where it is made with the other sends of the commit (PostgreSQL)
                    writes.writeVoid(affinity, tx -> {
                        lifecycle.sentLater(tx, sending);
                        queue.complete(tx, job);
                    });
                    outcomes.sent();
                    return;
                }
                writes.writeVoid(affinity, tx -> {
                    if (lifecycle.sent(tx, sending)) {
                        for (JobQueue.NewJob followUp : later) {
                            queue.enqueue(tx, followUp, now);
                        }
                        if (establishes != null) {
                            conversations.establish(tx, establishes, now);
                        }
                    }
                    queue.complete(tx, job);
                });
                outcomes.sent();
            }
            case SendResult.Rejected rejected when detail != null -> {
                // the SMS it fell back to refused it too: the failed step is on SMS and still shows the fallback
                writes.writeVoid(tx -> {
                    lifecycle.failed(tx, message.id(), rejected.code(), rejected.message(), ChannelType.SMS,
                            rejected.code() + "; " + detail, now);
                    queue.complete(tx, job);
                });
                outcomes.failed();
            }
            case SendResult.Rejected rejected -> fail(job, message.id(), rejected.code(), rejected.message(), null, now);
            case SendResult.RetryLater later ->
                    retryOrFail(job, message.id(), "unavailable", later.reason(), later.after(), true, window, now);
        }
    }

    /**
     * A send that keeps throwing (a bug, a broken connector) must still reach a final status: past the send's
     * retry window ({@link PacedWindow}) it fails with {@code internal_error}; before that the worker retries it with backoff.
     */
    @Override
    public boolean settleAfterFailure(Job job, RuntimeException failure, Instant now) {
        UUID id = UUID.fromString(job.subject());
        Optional<Message> found = db.read(h -> store.findById(h, id));
        if (found.isEmpty()) {
            retryPayloads.remove(job.seq());
            writes.writeVoid(tx -> queue.complete(tx, job));
            return true;
        }
        Instant deadline = PacedWindow.start(windowStart(found.get()), job.payload()).plus(retryWindow);
        if (!now.isAfter(deadline)) {
            outcomes.retrying(); // the worker reschedules it with backoff
            return false;
        }
        retryPayloads.remove(job.seq());
        fail(job, id, "internal_error", "the message could not be sent because of an internal error (quote the message id "
                + "when reporting it)", null, now);
        return true;
    }

    /**
     * Runs that an outage ended after they had handed their message to the backend, by job seq: each is taken out when
     * the worker asks ({@link #triedBefore}). Only an outage adds to it: nothing on a send's path.
     */
    private final java.util.Set<Long> afterHandoff = ConcurrentHashMap.newKeySet();

    /**
     * An outage before this run handed the message to the backend (reading the message or its number, taking its slot,
     * holding its media, recording a hold) was no attempt, and the backend's attempt number must not count it; one
     * after (recording the backend's answer) was one: the backend had the message, and the next try is its next.
     * (Unaware of this, the worker took every outage for an attempt.)
     */
    @Override
    public boolean triedBefore(Job job, StoreUnavailable outage) {
        return afterHandoff.remove(job.seq());
    }

    /**
     * A run that threw after its booked slot held (the backend threw, say), or that the backend put off, did not send
     * in that slot, as far as anyone knows: its retry, after the worker's backoff or the backend's delay, books a slot
     * of its own (see {@link NumberPacing}), rather than go on the old booking whenever it comes back (a booking made
     * anew holds however late), beside the send that has the slot then. Any other payload is kept, and so is where
     * the send's retry window starts ({@link PacedWindow}); a paced run that threw after it took its slot at once notes
     * that start now ({@link #onRetry}), so that the slot its retry books does not move it.
     */
    @Override
    public String payloadForRetry(Job job) {
        String noted = retryPayloads.remove(job.seq());
        return noted != null ? noted : keptForRetry(job);
    }

    /**
     * The payloads that retries of paced runs that threw keep, by job seq, each taken out when the worker asks
     * ({@link #payloadForRetry}) or when the run is settled ({@link #settleAfterFailure}). Only a paced run that threw
     * adds to it: nothing on a send's path.
     */
    private final Map<Long, String> retryPayloads = new ConcurrentHashMap<>();

    /** {@code job}'s payload without its booking, if any (see {@link #payloadForRetry}). */
    private static String keptForRetry(Job job) {
        return NumberPacing.Booking.of(PacedWindow.rest(job.payload())) != null ? PacedWindow.note(job.payload())
                : job.payload();
    }

    /**
     * The payload of {@code job} when this run, in {@code window}, puts it off for a retry: without its booking, and,
     * for a paced send that has no start noted yet, noting it ({@link PacedWindow}): a run that had its slot (at once:
     * with a booking it has one noted) fixes its message's own start; one held before it ever had a slot notes
     * {@link PacedWindow#HELD}. Unpaced, the payload is kept as it is.
     */
    private static String onRetry(Job job, Window window) {
        String kept = keptForRetry(job);
        if (!window.paced()) {
            return kept;
        }
        String note = PacedWindow.note(kept);
        if (note != null && !note.equals(PacedWindow.HELD)) {
            return kept;
        }
        return PacedWindow.payload(window.slotted() ? PacedWindow.fixed(window.own()) : PacedWindow.HELD,
                PacedWindow.rest(kept));
    }

    /**
     * Tries again after {@code after}, but never past the deadline: the last try is at the deadline itself, so a number
     * back (or a backend answering) at any moment of the window still gets the message out. Fails once the deadline
     * has come. {@code tried}: whether this run handed the message to the backend; a run that did not (the number
     * offline, the disk full for its media) gives its claim back, so that the backend's attempt number counts only
     * the tries it saw ({@link OutboundMessage#attempt}: the sandbox's {@code …0503} is unavailable on tries 1 and
     * 2, however long the send was held first) and the worker's backoff after a run that threw only the runs that
     * tried.
     */
    private void retryOrFail(Job job, UUID id, String code, String reason, Duration after, boolean tried,
                             Window window, Instant now) {
        retryOrFail(job, id, code, reason, reason, after, tried, window, now);
    }

    /** As above, the job noted {@code note} while it waits. */
    private void retryOrFail(Job job, UUID id, String code, String reason, String note, Duration after, boolean tried,
                             Window window, Instant now) {
        Instant deadline = window.deadline();
        if (!now.isBefore(deadline)) {
            fail(job, id, code, reason + "; gave up after the retry window", null, now);
            return;
        }
        Instant next = now.plus(after);
        Instant at = next.isAfter(deadline) ? deadline : next;
        // a booked slot went unused: the next try books its own (see NumberPacing and payloadForRetry), its window
        // where it started (see PacedWindow and onRetry)
        String payload = onRetry(job, window);
        writes.writeVoid(tx -> queue.release(tx, job, at, note, tried, payload));
        outcomes.retrying();
    }

    /**
     * Media that could not be prepared: the message fails with the reason, unless it was the server's storage (a full
     * disk), which is waited out like an offline number, until the retry window ends. {@code tried}: whether this run
     * handed the message to the backend before (an iMessage try before its SMS fallback).
     */
    private void mediaFailed(Job job, UUID id, MediaPreparation.Failed failed, boolean tried, Window window,
                             Instant now) {
        if (failed.retry()) {
            retryOrFail(job, id, failed.code(), failed.message(), OFFLINE_RECHECK, tried, window, now);
        } else {
            fail(job, id, failed.code(), failed.message(), null, now);
        }
    }

    private void fail(Job job, UUID id, String code, String reason, ChannelType channel, Instant now) {
        writes.writeVoid(tx -> {
            lifecycle.failed(tx, id, code, reason, channel, now);
            queue.complete(tx, job);
        });
        outcomes.failed();
    }

    private static Optional<ChannelType> choose(Message message, AccountNumber number, Channel channel) {
        if (message.requestedChannel() == ChannelType.WHATSAPP) {
            return number.channels().contains(ChannelType.WHATSAPP) ? Optional.of(ChannelType.WHATSAPP) : Optional.empty();
        }
        if (number.channels().contains(ChannelType.IMESSAGE) && channel.onIMessage(message.to())) {
            return Optional.of(ChannelType.IMESSAGE);
        }
        return smsReaches(message, number) ? Optional.of(ChannelType.SMS) : Optional.empty();
    }

    private static boolean smsReaches(Message message, AccountNumber number) {
        return number.channels().contains(ChannelType.SMS) && Handle.parsePhone(message.to()).isPresent();
    }

    private static OutboundMessage outbound(Message message, ChannelType channel, int attempt, OutboundMessage.Group group,
                                            List<OutboundMessage.Media> media) {
        return new OutboundMessage(message.id(), message.fromHandle(), message.to(), channel, message.text(),
                channel == ChannelType.IMESSAGE ? message.effect() : null,
                channel == ChannelType.SMS ? null : message.replyTo(), attempt, group, media);
    }
}
