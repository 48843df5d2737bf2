package dev.msgbubbles.queue;

/**
 * A claimed job. {@code subject} names what it is about (a message id); {@code payload} is optional small
 * text (ids and codes, never message bodies); {@code attempts} counts claims including this one.
 */
public record Job(long seq, String kind, String subject, String lane, String payload, int attempts) {
}
