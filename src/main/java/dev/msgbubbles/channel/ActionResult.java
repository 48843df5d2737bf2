package dev.msgbubbles.channel;

import java.time.Duration;

/** What a backend said about a {@link MessageAction}. */
public sealed interface ActionResult {
    record Done() implements ActionResult {
    }

    record Rejected(String code, String message) implements ActionResult {
    }

    record RetryLater(String reason, Duration after) implements ActionResult {
    }
}
