package dev.msgbubbles.channel;

import dev.msgbubbles.common.ChannelType;
import java.util.UUID;

/**
 * One send, as handed to a connector. {@code messageId} is stable across retries: connectors use it to
 * deduplicate when a previous attempt's outcome is unknown. {@code attempt} counts from 1.
 */
public record OutboundMessage(UUID messageId, String fromHandle, String to, ChannelType channel, String text,
                              String effect, int attempt) {
}
