package dev.msgbubbles.db;

/**
 * The store could not take the work: no connection was to be had within the configured wait
 * ({@code MSGBUBBLES_DATABASE_WAIT_MS}: the database is down, refuses connections, or every connection stayed busy), the
 * connection broke under a statement, or the store could not write (a full disk, an I/O error; see
 * {@code Database.outage}). Either no statement of the work ran or its transaction ended uncommitted, so nothing of it
 * was written and it is safe to try again: the API answers {@code 503 unavailable}, and workers look again after a
 * while. A commit that itself failed is not one of these: whether it took effect is unknown.
 */
public final class StoreUnavailable extends RuntimeException {
    public StoreUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
