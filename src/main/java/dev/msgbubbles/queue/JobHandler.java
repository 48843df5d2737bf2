package dev.msgbubbles.queue;

import dev.msgbubbles.db.StoreUnavailable;
import java.time.Instant;

/**
 * Runs one kind of job. The handler does its work and, in the transaction that records the result, calls
 * {@link JobQueue#complete} or {@link JobQueue#reschedule} so that the outcome and the job's fate commit
 * together. Returning without either leaves the job leased: it runs again once the lease ends. A thrown
 * exception (a bug or broken infrastructure) makes the worker reschedule the job with backoff.
 */
@FunctionalInterface
public interface JobHandler {
    void handle(Job job, Instant now);

    /**
     * Called once per claimed batch, before any of them runs, with the batch's jobs of this kind: a chance to read
     * what they need with one query instead of one each. Optional; a failure here only loses the head start.
     */
    default void prepare(java.util.List<Job> jobs) {
    }

    /**
     * Called when {@link #handle} threw: true when the handler settled the job itself (it completed it, e.g. after
     * recording a final failure), false to have the worker retry it with backoff. For work that must reach an end
     * even when something keeps failing; the default retries for ever.
     */
    default boolean settleAfterFailure(Job job, RuntimeException failure, Instant now) {
        return false;
    }

    /**
     * The payload {@code job} keeps when {@link #handle} threw and the worker retries it with backoff: for a payload
     * that notes something only its run at the time due may rely on (a send's booked slot). The default keeps it.
     */
    default String payloadForRetry(Job job) {
        return job.payload();
    }

    /**
     * Whether the run of {@code job} that {@code outage} ended (the store could not take its reads or writes) had
     * tried the job's work before it: handed it on outside the store (a backend, an endpoint), which the outage does
     * not undo. A run that had not is no attempt: the worker puts the job back giving its claim back
     * ({@link JobQueue#putBack}), so that {@link Job#attempts} still counts the tries. Asked once for each such run.
     * The default, which does not know, says it had: the run counts.
     */
    default boolean triedBefore(Job job, StoreUnavailable outage) {
        return true;
    }
}
