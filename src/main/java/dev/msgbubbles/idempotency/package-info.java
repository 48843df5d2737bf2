/**
 * The idempotency store behind {@code Idempotency-Key} (DECISIONS §6), reusable by every creating endpoint.
 * A key is reserved in the same transaction that creates the resource, so a key exists exactly when its
 * resource does. Imports {@code db}, {@code common}.
 */
package dev.msgbubbles.idempotency;
