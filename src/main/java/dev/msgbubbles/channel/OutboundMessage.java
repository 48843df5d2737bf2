package dev.msgbubbles.channel;

import dev.msgbubbles.common.ChannelType;
import java.util.UUID;

/**
 * One send, as handed to a connector. {@code messageId} is stable across retries: connectors use it to
 * deduplicate when a previous attempt's outcome is unknown. {@code attempt} is the number of times this send has been
 * handed to a backend, this one included, counting from 1: a send waiting for its number's slot or held for its offline
 * number is not handed over meanwhile, and is not counted; a run whose outcome went unrecorded counts when it may
 * have handed the message over (a database outage after the handoff; a crash, where that is not known). An iMessage refused as not registered and sent over SMS in the same run
 * is one attempt: both sends carry its number. A direct message has
 * {@code to} and no {@code group}; a group message has a {@code group} and no {@code to}. {@code media} are its
 * attachments, already prepared for {@code channel} (voice notes converted, images sized for MMS). {@code replyTo}
 * is the id of the message (of this thread, ours or the contact's) this one answers as a threaded reply, on
 * channels that thread replies (iMessage, WhatsApp); null otherwise, and always on SMS, which has no replies.
 */
public record OutboundMessage(UUID messageId, String fromHandle, String to, ChannelType channel, String text,
                              String effect, UUID replyTo, int attempt, Group group, java.util.List<Media> media) {

    public OutboundMessage {
        media = media == null ? java.util.List.of() : java.util.List.copyOf(media);
    }

    /**
     * One attachment as the backend gets it: {@code voiceNote} asks for a voice-note bubble; {@code content} opens its
     * bytes (each call a new stream, to be closed by the caller).
     */
    public record Media(UUID attachmentId, String filename, String mimeType, long sizeBytes, boolean voiceNote,
                        Content content) {
    }

    /** Opens the bytes of a {@link Media}. */
    @FunctionalInterface
    public interface Content {
        java.io.InputStream open() throws java.io.IOException;
    }

    /**
     * The iMessage group a message goes to. Until the network has accepted one of its messages the group does not
     * exist there yet ({@code established} false): the connector creates it with this message, these members and
     * this title.
     */
    public record Group(UUID conversationId, java.util.List<String> participants, String title, boolean established) {
        public Group {
            participants = java.util.List.copyOf(participants);
        }
    }
}
