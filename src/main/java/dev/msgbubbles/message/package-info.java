/**
 * Messages and the threads they travel in: sending (validation, idempotency, threading, the durable send job), the
 * status lifecycle (forward only, each change with a timeline row and an event in one transaction), receipts, reads,
 * iMessage groups (created by their first message; rename and membership synchronously against the backend), read
 * receipts and typing, per-number pacing (its slots in the database, shared by every process on it). Imports
 * {@code account}, {@code chat}, {@code channel}, {@code event}, {@code idempotency}, {@code queue}, {@code db},
 * {@code common}.
 */
package dev.msgbubbles.message;
