/**
 * Per-caller token buckets (Bucket4j) for the API rate limit, with time from the injected clock so tests can
 * refill a bucket by advancing it. Buckets live in this process's memory: with several server processes each
 * enforces the limit on the requests it receives. Imports {@code common} only.
 */
package dev.msgbubbles.ratelimit;
