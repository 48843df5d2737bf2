package dev.msgbubbles.message;

import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.account.Principal;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Handle;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /v1/handles/availability}: whether a send would go out over iMessage or SMS, answered by the
 * backend of the caller's first iMessage-capable number in the key's mode (the sandbox in test mode).
 */
public final class Availability {

    /** The documented answer; {@code channel} is null when neither iMessage nor SMS reaches the handle. */
    public record Answer(String handle, boolean imessage, String channel) {
    }

    private final NumberDirectory numbers;
    private final ChannelRouter router;

    Availability(NumberDirectory numbers, ChannelRouter router) {
        this.numbers = numbers;
        this.router = router;
    }

    /**
     * What a send to {@code handle} would do: iMessage as the backend says; otherwise SMS for a phone number only if
     * a number of the key's mode serves SMS (a send from a number without it fails {@code recipient_unreachable},
     * and a mode without numbers sends nothing), else null.
     */
    public Answer check(Principal principal, Handle handle) {
        List<AccountNumber> mine = numbers.list(principal);
        Optional<AccountNumber> number = mine.stream().filter(n -> n.channels().contains(ChannelType.IMESSAGE)).findFirst();
        boolean imessage = number.map(n -> router.forNumber(n)).map(c -> c.onIMessage(handle.value())).orElse(false);
        boolean sms = handle instanceof Handle.Phone && mine.stream().anyMatch(n -> n.channels().contains(ChannelType.SMS));
        String channel = imessage ? "imessage" : sms ? "sms" : null;
        return new Answer(handle.value(), imessage, channel);
    }

}
