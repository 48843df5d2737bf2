package dev.msgbubbles.message;

import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.account.Principal;
import dev.msgbubbles.attachment.Attachments;
import dev.msgbubbles.chat.Conversation;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Handle;
import dev.msgbubbles.common.Mode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The test-mode helpers {@code POST /v1/sandbox/inbound} and {@code /typing}: a simulated contact writes or types
 * to one of the caller's test numbers, directly or in a group they are a member of. Live keys get 404: the
 * helpers do not exist in live mode.
 */
public final class SandboxContacts {
    private final NumberDirectory numbers;
    private final ChannelRouter router;
    private final ReceiveMessage receive;
    private final ThreadOperations threads;
    private final Attachments attachments;

    SandboxContacts(NumberDirectory numbers, ChannelRouter router, ReceiveMessage receive, ThreadOperations threads,
                    Attachments attachments) {
        this.attachments = attachments;
        this.numbers = numbers;
        this.router = router;
        this.receive = receive;
        this.threads = threads;
    }

    /**
     * The stored message, or empty when it was a one-time passcode and so suppressed. With {@code conversationId} a
     * member of that group writes to everyone in it ({@code toHandle} may then be left out).
     */
    public Optional<MessageView> inbound(Principal p, String from, String toHandle, UUID conversationId, String text,
                                         List<String> attachmentIds) {
        requireTestMode(p);
        String contact = contact(from);
        Conversation group = conversationId == null ? null : group(p, conversationId, contact, toHandle);
        AccountNumber number = number(p, group != null && toHandle == null ? group.fromHandle() : toHandle);
        boolean hasText = text != null && !text.isEmpty();
        List<UUID> media = attachmentIds(p, attachmentIds);
        if (!hasText && media.isEmpty()) {
            throw ApiException.invalid("text", "text or attachment_ids is required");
        }
        if (hasText && text.codePointCount(0, text.length()) > SendMessage.MAX_TEXT) {
            throw ApiException.invalid("text", "text is limited to " + SendMessage.MAX_TEXT + " characters");
        }
        return receive.receive(new ReceiveMessage.Inbound(p.accountId(), p.mode(), number.handle(), contact,
                group == null ? null : group.id(), hasText ? text : null,
                group == null ? channel(number, contact) : ChannelType.IMESSAGE, media));
    }

    /**
     * The media a simulated contact sends: attachments the caller uploaded, which the inbound message claims (each
     * once, like a send).
     */
    private List<UUID> attachmentIds(Principal p, List<String> ids) {
        if (ids == null || ids.isEmpty()) {
            return List.of();
        }
        if (ids.size() > 10) {
            throw ApiException.invalid("attachment_ids", "at most 10 attachments per message");
        }
        List<UUID> parsed = new java.util.ArrayList<>();
        for (String id : ids) {
            // the canonical form only, as every id the API reads (UUID.fromString takes other spellings of one id)
            parsed.add(dev.msgbubbles.common.Ids.parse(id).orElseThrow(() ->
                    new ApiException(ErrorCode.INVALID_ATTACHMENTS, "unknown attachment id " + id, "attachment_ids")));
        }
        if (attachments == null) {
            throw new ApiException(ErrorCode.INVALID_ATTACHMENTS, "unknown attachment id " + ids.getFirst(), "attachment_ids");
        }
        attachments.checkClaimable(p.accountId(), p.mode(), parsed);
        return parsed;
    }

    public Map<String, Object> typing(Principal p, String from, String toHandle, UUID conversationId, Boolean typing) {
        requireTestMode(p);
        String contact = contact(from);
        Conversation group = conversationId == null ? null : group(p, conversationId, contact, toHandle);
        AccountNumber number = number(p, group != null && toHandle == null ? group.fromHandle() : toHandle);
        if (typing == null) {
            throw ApiException.invalid("typing", "typing (true or false) is required");
        }
        if (group == null) {
            requireTypingChannel(number, contact);
        }
        return receive.typing(p.accountId(), p.mode(), number.handle(), contact, group == null ? null : group.id(), typing);
    }

    /** The caller's group {@code id}, of which {@code contact} must be a member, on {@code toHandle} if that is given. */
    private Conversation group(Principal p, UUID id, String contact, String toHandle) {
        Conversation group;
        try {
            group = threads.thread(p, id);
        } catch (ApiException notFound) {
            throw new ApiException(ErrorCode.NOT_FOUND, "conversation not found", "conversation_id");
        }
        if (!group.group()) {
            throw ApiException.invalid("conversation_id", "conversation_id must name a group; a contact writes to a direct "
                    + "thread with from and to_handle alone");
        }
        if (!group.participants().contains(contact)) {
            throw ApiException.invalid("from", contact + " is not a member of this group");
        }
        // the network creates a group with its first message: until it has accepted one, there is no group on the
        // network for a member to write or type in (and rename and membership changes are refused the same way)
        ThreadOperations.requireEstablishedGroup(group);
        if (toHandle != null && !toHandle.strip().equals(group.fromHandle())) {
            throw ApiException.invalid("to_handle", "to_handle must be the group's number, " + group.fromHandle());
        }
        return group;
    }

    private static void requireTestMode(Principal p) {
        if (p.mode() != Mode.TEST) {
            throw ApiException.notFound("sandbox helper (test mode only)");
        }
    }

    private static String contact(String from) {
        if (from == null) {
            throw ApiException.invalid("from", "from is required");
        }
        return Handle.parse(from).orElseThrow(() -> new ApiException(ErrorCode.INVALID_HANDLE,
                "from must be an E.164 phone number or an email address", "from")).value();
    }

    private AccountNumber number(Principal p, String toHandle) {
        if (toHandle == null) {
            throw ApiException.invalid("to_handle", "to_handle is required");
        }
        String handle = Handle.parsePhone(toHandle).orElseThrow(() -> new ApiException(ErrorCode.INVALID_HANDLE,
                "to_handle must be an E.164 number", "to_handle")).value();
        return numbers.owned(p.accountId(), p.mode(), handle)
                .orElseThrow(() -> ApiException.invalid("to_handle", "to_handle is not one of your test numbers"));
    }

    /**
     * A contact types in a direct thread over iMessage or WhatsApp only. One whom none of the number's channels reaches
     * cannot be in a thread with it (400 {@code invalid_handle}, as for a message from them: no thread is created);
     * one it reaches only over SMS cannot type, since SMS has no typing indicator (409 {@code conflict}, as our own
     * typing in an SMS thread is).
     */
    private void requireTypingChannel(AccountNumber number, String contact) {
        boolean whatsapp = number.channels().contains(ChannelType.WHATSAPP) && Handle.parsePhone(contact).isPresent();
        if (channel(number, contact) == ChannelType.SMS && !whatsapp) {
            throw new ApiException(ErrorCode.CONFLICT, "typing indicators work on iMessage and WhatsApp; " + contact
                    + " reaches " + number.handle() + " over SMS only");
        }
    }

    private ChannelType channel(AccountNumber number, String contact) {
        boolean phone = Handle.parsePhone(contact).isPresent();
        if (number.channels().contains(ChannelType.IMESSAGE) && router.forNumber(number).onIMessage(contact)) {
            return ChannelType.IMESSAGE;
        }
        if (phone && number.channels().contains(ChannelType.SMS)) {
            return ChannelType.SMS;
        }
        if (phone && number.channels().contains(ChannelType.WHATSAPP)) {
            return ChannelType.WHATSAPP;
        }
        throw new ApiException(ErrorCode.INVALID_HANDLE, "none of this number's channels reaches that contact", "from");
    }
}
