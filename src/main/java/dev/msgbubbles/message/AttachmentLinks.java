package dev.msgbubbles.message;

import dev.msgbubbles.attachment.Attachments;
import dev.msgbubbles.common.WireJson;
import org.jdbi.v3.core.Handle;

/**
 * Signs a message's attachment links again when it goes out long after it was created. The links in a message object,
 * and so in its events and webhooks, are signed when the message is created and work for
 * {@code MSGBUBBLES_ATTACHMENT_MESSAGE_LINK_DAYS} (7 by default); a message scheduled further ahead than that (up to 30
 * days) or retried after it went out with {@code message.sent} and {@code message.delivered} events whose links had
 * expired, so an app fetching the media when told it was sent got {@code 403}. Its scheduled time coming, or a retry,
 * signs them again, in the transaction that queues it: its sending's events carry links that work for the whole
 * lifetime from then. One statement, for a message with attachments only.
 */
final class AttachmentLinks {
    private final Attachments attachments;
    private final MessageStore store;

    AttachmentLinks(Attachments attachments, MessageStore store) {
        this.attachments = attachments;
        this.store = store;
    }

    /** Signs the links of {@code message}'s attachments again, in {@code tx}; nothing for a message without any. */
    void renew(Handle tx, Message message) {
        if (message.attachments() != null) {
            store.setAttachments(tx, message.id(), WireJson.write(attachments.messageObjects(tx, message.id())));
        }
    }
}
