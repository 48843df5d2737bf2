package dev.msgbubbles.message;

import dev.msgbubbles.account.AccountNumber;
import dev.msgbubbles.account.NumberDirectory;
import dev.msgbubbles.queue.JobQueue;
import java.time.Duration;
import java.time.Instant;
import org.jdbi.v3.core.Handle;

/**
 * Wakes the sends held for a number that has just come back online, in the transaction that changes its status, in
 * whichever process makes the change (a server, or the admin CLI beside it). A held send otherwise looks at its number
 * again only every {@link SendJob#OFFLINE_RECHECK}, so it went out up to 30 s after the number was back. The cost is
 * one update of the job table per status change, nothing per send.
 */
public final class HeldSends {
    /**
     * When the woken sends become due: once every process's cached copy of the number, which may still say offline, has
     * expired ({@link NumberDirectory#CACHE_TTL}, read no later than the change commits, which the margin covers). A
     * send woken before that would find the number offline again and wait another recheck.
     */
    static final Duration WAKE_AFTER = NumberDirectory.CACHE_TTL.plusMillis(500);

    private HeldSends() {
    }

    /** Makes {@code number}'s held sends due {@link #WAKE_AFTER} after {@code at} if it is online; returns how many. */
    public static int wake(Handle tx, JobQueue queue, AccountNumber number, Instant at) {
        if (number.status() != AccountNumber.Status.ONLINE) {
            return 0;
        }
        return queue.wake(tx, SendJob.KIND, SendJob.heldFor(number.handle()), at.plus(WAKE_AFTER));
    }
}
