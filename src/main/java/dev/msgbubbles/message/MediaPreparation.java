package dev.msgbubbles.message;

import dev.msgbubbles.attachment.Attachment;
import dev.msgbubbles.attachment.Attachments;
import dev.msgbubbles.attachment.BlobStore;
import dev.msgbubbles.attachment.MediaConverter;
import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.common.ChannelType;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a message's attachments into what its channel takes, in the send job: a voice memo becomes Opus in CAF for
 * iMessage or Opus in OGG for WhatsApp (SMS has no voice notes: the audio goes as it is); on SMS (MMS), images
 * larger than the MMS limit are scaled down to JPEG. Everything else goes as uploaded.
 */
final class MediaPreparation {

    /** The media for the backend, or why they could not be prepared (the message then fails with {@code code}). */
    sealed interface Result {
    }

    /** {@code converted}: the blobs made for this send, to {@link #release} once the backend has taken them. */
    record Ready(List<OutboundMessage.Media> media, List<Attachments.Converted> converted) implements Result {
    }

    /** {@code retry}: the server's storage failed, not the media: the send waits and tries again. */
    record Failed(String code, String message, boolean retry) implements Result {
    }

    static final String FAILED = "media_conversion_failed";

    private final Attachments attachments;

    MediaPreparation(Attachments attachments) {
        this.attachments = attachments;
    }

    Result prepare(Message message, ChannelType channel) {
        if (message.attachments() == null || attachments == null) {
            return new Ready(List.of(), List.of());
        }
        List<OutboundMessage.Media> media = new ArrayList<>();
        List<Attachments.Converted> converted = new ArrayList<>();
        for (Attachment a : attachments.ofMessage(message.id())) {
            MediaConverter.Target target = target(message, channel, a);
            if (target == null) {
                media.add(media(a, a.filename(), a.mimeType(), a.sizeBytes(), a.sha256(), false));
                continue;
            }
            try {
                Attachments.Converted made = attachments.convert(a, target);
                converted.add(made);
                BlobStore.Blob blob = made.blob();
                media.add(media(a, renamed(a.filename(), target), target.mimeType(), blob.size(), blob.sha256(),
                        target != MediaConverter.Target.MMS_IMAGE));
            } catch (MediaConverter.Failure e) {
                converted.forEach(attachments::discardConverted);
                return new Failed(FAILED, a.filename() + ": " + e.getMessage(), e.storage());
            }
        }
        return new Ready(media, converted);
    }

    /** Drops what was converted for a send the backend has answered (a retry converts again). */
    void release(Result result) {
        if (result instanceof Ready ready) {
            for (Attachments.Converted made : ready.converted()) {
                attachments.discardConverted(made);
            }
        }
    }

    private MediaConverter.Target target(Message message, ChannelType channel, Attachment a) {
        boolean audio = a.audio();
        if (message.voiceMemo() && audio && channel == ChannelType.IMESSAGE) {
            return MediaConverter.Target.IMESSAGE_VOICE;
        }
        if (message.voiceMemo() && audio && channel == ChannelType.WHATSAPP) {
            return MediaConverter.Target.WHATSAPP_VOICE;
        }
        if (channel == ChannelType.SMS && a.mimeType().startsWith("image/") && a.sizeBytes() > attachments.limits().mmsMaxBytes()) {
            return MediaConverter.Target.MMS_IMAGE;
        }
        return null;
    }

    private OutboundMessage.Media media(Attachment a, String filename, String mimeType, long size, String sha256,
                                        boolean voiceNote) {
        return new OutboundMessage.Media(a.id(), filename, mimeType, size, voiceNote, () -> attachments.open(sha256));
    }

    /** The file name with the converted format's extension. */
    private static String renamed(String filename, MediaConverter.Target target) {
        int dot = filename.lastIndexOf('.');
        String stem = dot > 0 ? filename.substring(0, dot) : filename;
        return stem + "." + switch (target) {
            case IMESSAGE_VOICE -> "caf";
            case WHATSAPP_VOICE -> "ogg";
            case MMS_IMAGE -> "jpg";
        };
    }
}
