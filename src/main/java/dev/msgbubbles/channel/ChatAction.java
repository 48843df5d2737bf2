package dev.msgbubbles.channel;

import dev.msgbubbles.common.ChannelType;
import java.util.List;
import java.util.UUID;

/**
 * A synchronous operation on a thread, carried out by the backend while the caller waits: the answer is the
 * network's verdict. Group changes (rename, add, remove) only ever reach a backend for established iMessage
 * groups; read receipts and typing for iMessage and WhatsApp threads.
 */
public sealed interface ChatAction {
    Thread thread();

    /**
     * The thread as the backend knows it: the sending number, the channel it runs on, and the contacts in it
     * (one for a direct thread; the members of a group, without our number).
     */
    record Thread(UUID conversationId, String fromHandle, ChannelType channel, boolean group, List<String> participants) {
        public Thread {
            participants = List.copyOf(participants);
        }
    }

    record Rename(Thread thread, String title) implements ChatAction {
    }

    record AddParticipant(Thread thread, String handle) implements ChatAction {
    }

    record RemoveParticipant(Thread thread, String handle) implements ChatAction {
    }

    /** Everything received in the thread so far has been read: contacts see read receipts. */
    record MarkRead(Thread thread) implements ChatAction {
    }

    /** Show ({@code true}) or hide the typing bubble on the contacts' side; it expires there by itself. */
    record Typing(Thread thread, boolean typing) implements ChatAction {
    }
}
