/**
 * Webhook endpoints: registration, secrets and their rotation, event filters, and the SSRF guard that every
 * endpoint URL passes at registration and at each delivery attempt. Imports {@code event}, {@code idempotency},
 * {@code db} and {@code common}.
 */
package dev.msgbubbles.webhook;
