/**
 * Messages: sending (validation, idempotency, threading, the durable send job), the status lifecycle (forward
 * only, each change with a timeline row and an event in one transaction), receipts, and reads. Imports
 * {@code account}, {@code chat}, {@code channel}, {@code event}, {@code idempotency}, {@code queue}, {@code db},
 * {@code common}.
 */
package dev.msgbubbles.message;
