package dev.msgbubbles.webhook;

import java.time.Instant;
import java.util.UUID;

/**
 * One attempt of a delivery, numbered from 1. {@code statusCode} is null when no answer came back (timeout,
 * connection error, or not sent at all); {@code responseExcerpt} is the start of the answer's body.
 */
public record Attempt(UUID deliveryId, int number, Instant attemptedAt, Integer statusCode, long latencyMs,
                      String error, String responseExcerpt) {
}
