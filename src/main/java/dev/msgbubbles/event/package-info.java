/**
 * The event log: every status change and action appends an event ({@code message.sent}, …) in the same
 * transaction as the change. A transaction's events are inserted together as its last step, under a lock on
 * PostgreSQL, so their cursors become visible in increasing order only and a consumer resuming after its last
 * cursor never misses one; consecutive events of one account and mode share a row, each keeping its own cursor
 * ({@link dev.msgbubbles.event.EventLog.Stored}). {@link dev.msgbubbles.event.Events} serves catch-up pages and the
 * SSE stream; webhook delivery reads the same log. {@link dev.msgbubbles.event.EventPurge} removes events past their retention.
 * Imports {@code queue}, {@code db}, {@code common}.
 */
package dev.msgbubbles.event;
