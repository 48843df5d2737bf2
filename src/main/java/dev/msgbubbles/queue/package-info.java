/**
 * The durable job queue: jobs are rows written in the same transaction as the state change that causes them,
 * claimed in batches under a lease ({@code FOR UPDATE SKIP LOCKED} on PostgreSQL), completed in the same
 * transaction as the handler's own writes, and taken over by another worker when a lease runs out (a crashed
 * process). Jobs that share a lane run strictly in the order they were enqueued. Also the queues' backlog age gauges
 * ({@link dev.msgbubbles.queue.BacklogAge}), read at a scrape. Imports {@code db}, {@code common}.
 */
package dev.msgbubbles.queue;
