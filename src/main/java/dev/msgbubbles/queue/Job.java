package dev.msgbubbles.queue;

/**
 * A claimed job. {@code subject} names what it is about (a message id); {@code payload} is optional small
 * text (ids and codes, never message bodies); {@code attempts} counts its claims including this one, less those whose
 * run put it back without trying its work ({@link JobQueue#putBack}): this run's attempt number, counting from 1 (a
 * claim whose run never recorded anything, its lease having run out, counts: whether it tried is unknown). {@code at} is,
 * on PostgreSQL, where the claim left the row (its {@code ctid}, e.g. {@code (12,5)}), by which completing or
 * rescheduling the job finds it again; null on SQLite.
 */
public record Job(long seq, String kind, String subject, String lane, String payload, int attempts, String at) {
}
