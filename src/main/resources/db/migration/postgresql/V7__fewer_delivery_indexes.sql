-- Fewer indexes on the delivery write path (postgresql). Keep in step with ../sqlite/V7__fewer_delivery_indexes.sql.
-- Nothing looks delivery jobs up by subject, and the backlog gauge reads the oldest due job (delivery_jobs_due_idx)
-- instead of the oldest pending delivery: each index dropped is one less entry written and removed per delivery.
DROP INDEX delivery_jobs_subject_idx;
DROP INDEX webhook_deliveries_pending_idx;
