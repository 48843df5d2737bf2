/**
 * The event log: every status change and action appends an event ({@code message.sent}, …) in the same
 * transaction as the change, with a monotonic cursor per database. Webhook delivery and the event stream read
 * it. Imports {@code db}, {@code common}.
 */
package dev.msgbubbles.event;
