package dev.msgbubbles.db;

/**
 * The store could not be reached: no connection was to be had within the configured wait
 * ({@code MSGBUBBLES_DATABASE_WAIT_MS}), because the database is down, refuses connections, or every connection stayed
 * busy. Thrown before any statement of the work ran, so nothing of it was written and it is safe to try again: the API
 * answers {@code 503 unavailable}, and workers look again after a while.
 */
public final class StoreUnavailable extends RuntimeException {
    public StoreUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
