package dev.msgbubbles.message;

import dev.msgbubbles.channel.ActionResult;
import dev.msgbubbles.channel.Channel;
import dev.msgbubbles.channel.ChatAction;
import dev.msgbubbles.channel.MessageAction;
import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.channel.SendResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A backend for tests that accepts everything and records what it was asked, in order (sends and thread operations),
 * with the bytes of every medium read during the send, as a real connector would. Handles ending in {@code 02xx} are
 * not on iMessage, like the sandbox's.
 */
class RecordingChannel implements Channel {
    final List<Object> asked = new CopyOnWriteArrayList<>();
    final Map<OutboundMessage.Media, byte[]> contents = new ConcurrentHashMap<>();

    @Override
    public SendResult send(OutboundMessage message) {
        asked.add(message);
        for (OutboundMessage.Media media : message.media()) {
            try (InputStream in = media.content().open()) {
                contents.put(media, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new SendResult.Accepted(message.channel(), "ref-" + message.messageId(), List.of());
    }

    /** The message actions (react, edit, unsend) the backend was told of, in order. */
    final List<MessageAction> acted = new CopyOnWriteArrayList<>();

    @Override
    public ActionResult act(MessageAction action) {
        acted.add(action);
        return new ActionResult.Done();
    }

    @Override
    public ActionResult control(ChatAction action) {
        asked.add(action);
        return new ActionResult.Done();
    }

    @Override
    public boolean onIMessage(String handle) {
        return !handle.substring(handle.length() - 4).startsWith("02");
    }

    List<OutboundMessage> sends() {
        return asked.stream().filter(OutboundMessage.class::isInstance).map(OutboundMessage.class::cast).toList();
    }

    OutboundMessage lastSend() {
        return sends().getLast();
    }
}
