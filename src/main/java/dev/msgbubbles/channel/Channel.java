package dev.msgbubbles.channel;

/**
 * A messaging backend. Implementations must be safe to call from many threads, must not throw for expected
 * failures (return {@link SendResult.Rejected} or {@link SendResult.RetryLater}) and must tolerate being asked
 * twice for the same {@link OutboundMessage#messageId()} (after a crash the core retries sends whose outcome
 * it never recorded).
 */
public interface Channel {

    SendResult send(OutboundMessage message);

    /** Carries out a reaction, edit or unsend of a message this backend sent. */
    ActionResult act(MessageAction action);

    /**
     * Carries out a synchronous operation on a thread (group rename and membership, read receipts, typing).
     * {@link ActionResult.Done} when the network did it; anything else is reported to the caller as a failure.
     */
    ActionResult control(ChatAction action);

    /** Whether {@code handle} is registered with iMessage, as far as this backend can tell. */
    boolean onIMessage(String handle);
}
