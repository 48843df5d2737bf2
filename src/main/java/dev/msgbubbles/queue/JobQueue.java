package dev.msgbubbles.queue;

import dev.msgbubbles.db.Database;
import dev.msgbubbles.db.Dialect;
import dev.msgbubbles.db.LastWrites;
import dev.msgbubbles.db.Sql;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * SQL for a job table: {@code jobs} (sends, receipts, housekeeping) or another of the same shape
 * ({@code delivery_jobs}, webhook deliveries), so that one queue's backlog or slow work never holds up another's.
 */
public final class JobQueue {
    /** The job tables the migrations create; the name is spliced into SQL, so only these are accepted. */
    private static final java.util.Set<String> TABLES = java.util.Set.of("jobs", "delivery_jobs");
    /** How many jobs, in due order, {@link #nextDue} looks at on PostgreSQL (see the constructor). */
    static final int NEXT_DUE_WINDOW = 512;
    private final String table;
    private final String claimSql;
    private final List<String> cancelSql;
    private final String nextDueSql;
    private final String oldestClaimableSql;
    private final String insertHead;
    private final String deleteHead;
    /** PostgreSQL: completes claimed jobs by address, each only if the row there is still that job (see {@link #complete}). */
    private final String deleteAtSql;
    /**
     * The statements that release a claimed job for later ({@link #move}), indexed by the flags below: by seq or
     * (PostgreSQL) by address, keeping or setting the payload, counting the run ({@link #reschedule}) or giving its
     * claim back ({@link #putBack}).
     */
    private final String[] moveSql = new String[8];
    /** The flags that index {@link #moveSql}. */
    private static final int BY_ADDRESS = 1;
    private static final int PAYLOAD = 2;
    private static final int GIVES_BACK = 4;
    /** A head's followers made due when it is (see {@link #reschedule} and {@link #wake}). */
    private final String followersSql;
    private final String wakeSql;
    private final Dialect dialect;
    /** PostgreSQL: a claim sets only the lease and keeps run_at (see the constructor). */
    private final boolean claimsInPlace;
    /**
     * Rows this process has claimed, completed, rescheduled or cancelled: each leaves a dead row version behind on
     * PostgreSQL, which is what {@link QueueVacuum} watches.
     */
    private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();

    /** The {@code jobs} queue. */
    public JobQueue(Database db) {
        this(db, "jobs");
    }

    public JobQueue(Database db, String table) {
        if (!TABLES.contains(table)) {
            throw new IllegalArgumentException("not a job table: " + table);
        }
        this.table = table;
        this.cancelSql = List.of(
                "DELETE FROM " + table + " WHERE kind = :kind AND subject = :subject AND lane IS NULL AND lease_owner IS NULL",
                "DELETE FROM " + table + " WHERE lane = :lane AND kind = :kind AND subject = :subject AND lease_owner IS NULL");
        this.insertHead = "INSERT INTO " + table + " (kind, subject, lane, payload, run_at, created_at) VALUES";
        this.deleteHead = "DELETE FROM " + table + " WHERE seq IN";
        this.deleteAtSql = "DELETE FROM " + table + " WHERE ctid = ANY(?::tid[]) AND seq = ANY(?::bigint[])";
        for (int i = 0; i < moveSql.length; i++) {
            // a put-back gives back what its claim added to attempts, in the same UPDATE: a job is only ever put back
            // by the run its claim started, so attempts is at least 1 there
            moveSql[i] = "UPDATE " + table + " SET run_at = ?, lease_owner = NULL, lease_until = NULL, last_error = ?"
                    + ((i & GIVES_BACK) != 0 ? ", attempts = attempts - 1" : "")
                    + ((i & PAYLOAD) != 0 ? ", payload = ?" : "")
                    + ((i & BY_ADDRESS) != 0 ? " WHERE ctid = ?::tid AND seq = ?" : " WHERE seq = ?");
        }
        // a head's followers, due when it is: through the lane index (lane, seq), reading only the lane's jobs after
        // the head. run_at is compared with <> only, which no index serves, so that a planner misled by its statistics
        // (a push has just moved thousands of rows) cannot take the due index instead and read every job due earlier
        // or later (PostgreSQL did, for run_at > ?, with the table's newest jobs due before the time). A follower's
        // own due time never matters: a job in a lane is enqueued due at once, and runs only once it heads the lane,
        // so moving it to its head's time either way loses nothing. The head's followers are never leased (only a
        // lane's oldest job is claimed); the condition is for a job taken out of order all the same: on SQLite a
        // leased job's run_at is the end of its lease, which must not move
        this.followersSql = "UPDATE " + table + " SET run_at = ? WHERE lane = ? AND seq > ? AND run_at <> ? "
                + "AND lease_owner IS NULL";
        this.wakeSql = "UPDATE " + table + " SET run_at = ? WHERE kind = ? AND last_error = ? AND lease_owner IS NULL "
                + "AND run_at > ? RETURNING seq, lane";
        this.dialect = db.dialect();
        // SQLite: a claim moves run_at to the end of the lease, so "due" is one range on the due index for both new
        // jobs and jobs whose lease ran out: jobs being worked on are never scanned (scanning past them made each claim
        // of ~100 jobs take ~4 ms while holding SQLite's only writer connection).
        // PostgreSQL: a claim keeps run_at and only sets the lease, none of it indexed, so the update stays on its page
        // with no new index entries (V12); a claim steps over the few jobs being worked on instead, and SKIP LOCKED
        // over those being claimed.
        this.claimsInPlace = dialect == Dialect.POSTGRESQL;
        // PostgreSQL: the claim's UPDATE takes the picked rows by their physical address (a TID scan: one page read a
        // row), which cannot change while the subquery's FOR UPDATE holds them. By seq it reached them through an
        // index: under the webhook benchmark, a plan reading the whole due index for the picked seqs (their second
        // column), 636 buffers to update 28 rows, 0.5 ms a claim (auto_explain).
        // the jobs a worker could claim now, in due order: new or released jobs that are due, and (in place) jobs whose
        // lease ran out; of a lane only its oldest job, so that a lane's jobs run one at a time, in order. A follower
        // due while its head is not (one it was enqueued behind is being worked on) is read, not claimed; one behind
        // a head rescheduled for later (a send held for its offline number, paced, or waiting out a RetryLater) is due
        // no earlier than its head (see reschedule), so not read at all however many there are
        String claimable = ("""
                FROM %1$s j
                WHERE j.run_at <= ?%2$s
                  AND (j.lane IS NULL OR NOT EXISTS (
                        SELECT 1 FROM %1$s e WHERE e.lane = j.lane AND e.seq < j.seq))
                ORDER BY j.run_at, j.seq""").formatted(table,
                claimsInPlace ? " AND (j.lease_until IS NULL OR j.lease_until <= ?)" : "");
        String due = "SELECT j." + (claimsInPlace ? "ctid" : "seq") + " " + claimable + "\nLIMIT ?" + dialect.skipLocked();
        this.claimSql = "UPDATE " + table + " SET lease_owner = ?, lease_until = ?, " + (claimsInPlace ? "" : "run_at = ?, ")
                + "attempts = attempts + 1 WHERE " + dialect.keyIn(claimsInPlace ? "ctid" : "seq", due)
                + " RETURNING seq, kind, subject, lane, payload, attempts" + (claimsInPlace ? ", ctid::text AS at" : "");
        // when the earliest job becomes due: a leased job when its lease ends (where claims move run_at, its run_at).
        // In place, a leased job keeps its past run_at, so the answer comes from the first NEXT_DUE_WINDOW jobs in due
        // order (the due index): a long backlog of future jobs (scheduled sends, retries for an endpoint that is down)
        // is never read whole on each check, as MIN over the table did. With more jobs than that leased at once the
        // answer can only be later than the truth, which costs at most a worker's idle sleep.
        this.nextDueSql = claimsInPlace
                ? "SELECT MIN(CASE WHEN lease_until > run_at THEN lease_until ELSE run_at END) FROM (SELECT run_at, "
                        + "lease_until FROM " + table + " ORDER BY run_at, seq LIMIT " + NEXT_DUE_WINDOW + ") first_due"
                : "SELECT MIN(run_at) FROM " + table;
        // how long the claimable job that has waited longest has waited: the claim's own search, for its first job.
        // The scan ends at the first job not yet due, so future jobs (scheduled sends, retries booked for later) are
        // never read, however many; what it steps over on the way is what every claim steps over too (jobs being
        // worked on, lanes' followers). In place a job whose lease ran out is due from the lease's end, not its run_at,
        // so the answer is the earliest of the first NEXT_DUE_WINDOW claimable jobs, as for nextDue; where claims move
        // run_at, the first one's run_at is that end already.
        this.oldestClaimableSql = claimsInPlace
                ? "SELECT MIN(CASE WHEN lease_until > run_at THEN lease_until ELSE run_at END) AS due FROM (SELECT "
                        + "j.run_at, j.lease_until " + claimable + "\nLIMIT " + NEXT_DUE_WINDOW + ") first_claimable"
                : "SELECT MIN(run_at) AS due FROM (SELECT j.run_at " + claimable + "\nLIMIT 1) first_claimable";
    }

    /** A job to write: run at {@code runAt}; {@code lane} (nullable) serialises jobs that share it. */
    public record NewJob(String kind, String subject, String lane, String payload, Instant runAt) {
    }

    /**
     * Enqueues in the caller's transaction: the job exists exactly when the caller's state change does. The row is
     * written at the end of the transaction, with every other job the transaction enqueues, in the order enqueued
     * (see {@link LastWrites}); nothing in the transaction sees it before.
     */
    public void enqueue(Handle tx, NewJob job, Instant now) {
        LastWrites.insert(tx, insertHead, 6, job.kind(), job.subject(), job.lane(), job.payload(), job.runAt(), now);
    }

    /** {@link #enqueue} for many jobs, in list order (so in lane order), with few statements. */
    public void enqueueAll(Handle tx, List<NewJob> jobs, Instant now) {
        // at once: this is also what the events' last step calls (delivery jobs), where no later step would run
        List<Object[]> rows = new ArrayList<>(jobs.size());
        for (NewJob job : jobs) {
            rows.add(new Object[] {job.kind(), job.subject(), job.lane(), job.payload(), job.runAt(), now});
        }
        Sql.insertAll(tx, insertHead, 6, rows);
    }

    /**
     * Leases up to {@code limit} due jobs to {@code owner} until {@code now + lease}. A job whose lease ran out is
     * due again. Only the oldest job of each lane is eligible, so a lane's jobs run one at a time, in order.
     */
    public List<Job> claim(Handle tx, String owner, int limit, Instant now, Duration lease) {
        Object[] values = claimsInPlace
                ? new Object[] {owner, now.plus(lease), now, now, limit}
                : new Object[] {owner, now.plus(lease), now.plus(lease), now, limit};
        List<Job> jobs = new ArrayList<>(Sql.list(tx, claimSql, row -> new Job(row.longValue("seq"), row.string("kind"),
                row.string("subject"), row.string("lane"), row.string("payload"), row.intValue("attempts"),
                claimsInPlace ? row.string("at") : null), values));
        jobs.sort(Comparator.comparingLong(Job::seq));
        changes.addAndGet(jobs.size());
        return jobs;
    }

    /**
     * Removes the job: its work is done (call in the transaction that records the work). The row goes at the end of
     * the transaction, with every other job it completes (see {@link LastWrites}).
     */
    public void complete(Handle tx, Job job) {
        if (job.at() == null) {
            LastWrites.forKey(tx, deleteHead, job.seq());
        } else {
            Database.lastStep(tx, deleteAtSql, () -> new Completions(deleteAtSql)).jobs.add(job);
        }
        changes.incrementAndGet();
    }

    /**
     * PostgreSQL: the jobs a transaction completes, deleted by address (a TID scan) in one statement at its end, each
     * only if the row at that address is still the same job. Nothing moves a claimed row but a claim after its lease
     * ran out (the row then has a new address and this deletes nothing: the new holder completes it) or this process
     * rescheduling it (then it does not complete it); a row whose address was freed and reused holds another job,
     * whose seq does not match. The tables have no index on seq for this (V19): each would be one more entry written
     * and removed per job.
     */
    private static final class Completions implements Database.CommitStep {
        private final String sql;
        private final java.util.Set<Job> jobs = new java.util.LinkedHashSet<>();

        Completions(String sql) {
            this.sql = sql;
        }

        @Override
        public void run(Handle tx) {
            StringBuilder at = new StringBuilder("{");
            StringBuilder seq = new StringBuilder("{");
            for (Job job : jobs) {
                if (at.length() > 1) {
                    at.append(',');
                    seq.append(',');
                }
                at.append('"').append(job.at()).append('"');
                seq.append(job.seq());
            }
            Sql.update(tx, sql, at.append('}').toString(), seq.append('}').toString());
        }
    }

    /**
     * Releases the lease and makes the job due again at {@code at}, keeping its place in its lane; the run counts as one
     * of the job's {@link Job#attempts} (for a run that did not try, see {@link #putBack}). The lane's followers
     * are made due at {@code at} with it, in the same transaction (one more statement, for a job in a lane only,
     * through the lane's index: it reads the lane's later jobs and writes those due at another time).
     *
     * <p>Why: a follower cannot be claimed before its head, yet one due earlier than the head lies in the due range
     * that every claim scans, ahead of every job it could claim, because it has waited longest; 10,000 such followers
     * (a number offline for an hour while its app keeps sending) cost each claim 11-13 ms on SQLite, on the store's
     * only writer, and linearly more with more. Due no earlier than its head, a follower is out of that range for as
     * long as the head is; the head is claimed at its time at the earliest, so when it completes its next follower is
     * due already and goes at once, with nothing written on completion (the path of every send). Order in a lane is
     * still kept by the claim alone: this only moves due times. A job that joins the lane after the head's reschedule
     * (a send accepted meanwhile) is due at once and read by claims, until the head's next reschedule takes it along:
     * for a held send its next recheck, 30 s at most, so a number offline for an hour leaves each claim the followers
     * of the last 30 s to read, not of the hour (accepting a send looks at no other job: that would be on every send's
     * path). A follower can be due later than it needs to be only
     * when its head leaves the lane before its time without a worker running it (a scheduled send cancelled while it
     * waits for its booked slot): it then waits, at worst, until the time its head was rescheduled to.
     */
    public void reschedule(Handle tx, Job job, Instant at, String error) {
        move(tx, job, at, error, 0, null);
    }

    /**
     * As {@link #reschedule(Handle, Job, Instant, String)}, for a run that did not try the job's work and only puts it
     * back for later (a send waiting for its number's slot or held for its offline number, a delivery whose endpoint's
     * slots are busy): the claim that started the run is given back, in the same UPDATE, so that {@link Job#attempts}
     * counts the runs that tried, which is what a send hands its backend as the attempt number and what the worker's
     * backoff after a run that threw counts. The lane's followers move with it as for a reschedule.
     */
    public void putBack(Handle tx, Job job, Instant at, String note) {
        move(tx, job, at, note, GIVES_BACK, null);
    }

    /** As {@link #putBack(Handle, Job, Instant, String)}, the job's payload now {@code payload}. */
    public void putBack(Handle tx, Job job, Instant at, String note, String payload) {
        move(tx, job, at, note, GIVES_BACK | PAYLOAD, payload);
    }

    /**
     * {@link #reschedule} when the run tried the job's work ({@code tried}), else {@link #putBack}; with {@code payload}
     * as the job's payload, written only when it differs from the one the job was claimed with. For a caller that
     * learns both only at run time (a retry after a run that threw, a send retrying later).
     */
    public void release(Handle tx, Job job, Instant at, String note, boolean tried, String payload) {
        int flags = tried ? 0 : GIVES_BACK;
        if (!java.util.Objects.equals(payload, job.payload())) {
            flags |= PAYLOAD;
        }
        move(tx, job, at, note, flags, payload);
    }

    private void move(Handle tx, Job job, Instant at, String error, int flags, String payload) {
        String message = error == null ? null : truncate(error);
        boolean withPayload = (flags & PAYLOAD) != 0;
        int moved;
        if (job.at() != null) {
            // by address, as complete() finds it; a job claimed again since (its lease ran out) is the new holder's
            String sql = moveSql[flags | BY_ADDRESS];
            moved = withPayload ? Sql.update(tx, sql, at, message, payload, job.at(), job.seq())
                    : Sql.update(tx, sql, at, message, job.at(), job.seq());
        } else {
            String sql = moveSql[flags];
            moved = withPayload ? Sql.update(tx, sql, at, message, payload, job.seq())
                    : Sql.update(tx, sql, at, message, job.seq());
        }
        changes.incrementAndGet();
        followHead(tx, job, moved, at);
    }

    /**
     * The lane's followers of {@code job}, rescheduled to {@code at} if {@code moved}, made due when it is. A
     * paced lane pays this at every slot, for every message still queued behind: 1,000 messages queued to one
     * contact at 60 a minute write 999 + 998 + ... rows, about 500,000 row writes over the 17 minutes, at most 999 a
     * second, ~3 ms of SQLite's writer (3 us a row, sqlite3); without it every claim in those 17 minutes read the
     * same rows (1.2 us a row), and claims come far more often than once a second on a store with any load.
     */
    private void followHead(Handle tx, Job job, int moved, Instant at) {
        if (moved == 1 && job.lane() != null) {
            changes.addAndGet(Sql.update(tx, followersSql, at, job.lane(), job.seq(), at));
        }
    }

    /**
     * As {@link #reschedule(Handle, Job, Instant, String)}, the job's payload now {@code payload}: for what the job
     * must remember until it runs again, written with its reschedule (e.g. a send's booked slot).
     */
    public void reschedule(Handle tx, Job job, Instant at, String error, String payload) {
        move(tx, job, at, error, PAYLOAD, payload);
    }

    /**
     * Makes due at {@code at} the jobs of {@code kind} that a reschedule left noted {@code note} (its {@code error}),
     * that no worker holds and that are due later; returns how many. For jobs held for a condition that has just
     * changed (a number back online), so that they need not wait for their next recheck. Scans the table: for rare
     * events, never per job. The lanes' followers of the woken jobs, which their reschedule made due with them (see
     * {@link #reschedule}), are made due at {@code at} too, each lane through its index (one batch): they go right
     * after their head, not at the head's earlier time.
     */
    public int wake(Handle tx, String kind, String note, Instant at) {
        List<Object[]> heads = Sql.list(tx, wakeSql,
                row -> new Object[] {at, row.string("lane"), row.longValue("seq"), at}, at, kind, truncate(note), at);
        List<Object[]> laned = heads.stream().filter(head -> head[1] != null).toList();
        long moved = heads.size();
        for (int n : Sql.updateBatch(tx, followersSql, laned)) {
            moved += Math.max(n, 0);
        }
        changes.addAndGet(moved);
        return heads.size();
    }

    /**
     * Removes jobs of {@code kind} about {@code subject} outside any lane that no worker has claimed (never claimed, or
     * released by a reschedule); returns how many. A claimed job is left alone, also once its lease has run out: its
     * worker may have died, or may still be in the middle of the work (a backend slower than the lease), so whether the
     * work happened is unknown until the next claim settles it, and the caller should refuse to call it off.
     */
    public int cancel(Handle tx, String kind, String subject) {
        return cancel(tx, kind, subject, null);
    }

    /**
     * As {@link #cancel(Handle, String, String)}, for a job outside any lane or in {@code lane}. Each is found through
     * an index, never by reading the table (a cancel on SQLite holds the store's only writer, and a table of scheduled
     * work can hold a great many jobs): outside a lane by subject ({@code jobs_unlaned_subject_idx}, which only such
     * jobs enter, so that the lanes' jobs, every accepted send among them, write no entry), in a lane through the
     * lane's own index, which reads only that lane's jobs.
     */
    public int cancel(Handle tx, String kind, String subject, String lane) {
        int removed = tx.createUpdate(cancelStatements().getFirst()).bind("kind", kind).bind("subject", subject).execute();
        if (removed == 0 && lane != null) {
            removed = tx.createUpdate(cancelStatements().getLast()).bind("lane", lane).bind("kind", kind)
                    .bind("subject", subject).execute();
        }
        changes.addAndGet(removed);
        return removed;
    }

    /**
     * Enqueues {@code job} unless a job of its kind is pending: how recurring housekeeping jobs are started (each run
     * reschedules itself). Two processes starting together may both enqueue one, which such jobs must tolerate.
     */
    public void ensureOne(Handle tx, NewJob job, Instant now) {
        if (pendingOf(tx, job.kind()) == 0) {
            // at once, not at the end of the transaction: a second call in the same transaction must see it
            enqueueAll(tx, List.of(job), now);
        }
    }

    /**
     * A job outstanding: its subject, whether it is in a lane, and when it is due (on SQLite a claimed job's is the end
     * of its lease; a lane's follower's is its head's, once the head was rescheduled: see {@link #reschedule}).
     */
    public record Queued(String subject, boolean inLane, Instant runAt) {
    }

    /**
     * The jobs of {@code kind} with {@code payload}, in no particular order: the work still outstanding about one thing
     * (a scan of the table, which holds outstanding work only; not for a hot path).
     */
    public List<Queued> queued(Handle h, String kind, String payload) {
        return Sql.list(h, "SELECT subject, lane, run_at FROM " + table + " WHERE kind = ? AND payload = ?",
                row -> new Queued(row.string("subject"), row.string("lane") != null,
                        Instant.ofEpochMilli(row.longValue("run_at"))), kind, payload);
    }

    /** Pending jobs of one kind. */
    public long pendingOf(Handle h, String kind) {
        return h.createQuery("SELECT COUNT(*) FROM " + table + " WHERE kind = :kind").bind("kind", kind).mapTo(Long.class).one();
    }

    /** Jobs not yet completed (for tests, metrics and the readiness of a drained queue). */
    public long pending(Handle h) {
        return h.createQuery("SELECT COUNT(*) FROM " + table).mapTo(Long.class).one();
    }

    /**
     * When the earliest pending job becomes due, if any (lets an idle worker sleep exactly long enough; in the past,
     * it says how long the oldest due job has waited). A leased job counts from the end of its lease. On PostgreSQL it
     * looks at the first {@value #NEXT_DUE_WINDOW} jobs in due order only, so with more leased at once it may answer
     * later than the truth, never earlier.
     */
    public java.util.Optional<Instant> nextDue(Handle h) {
        return h.createQuery(nextDueSql).mapTo(Long.class).findOne().map(Instant::ofEpochMilli);
    }

    /**
     * When the job that has waited longest of those a worker could claim at {@code now} became due, if any: what the
     * queue's backlog age is measured from. Unlike {@link #nextDue}, a job that cannot be claimed does not count: not
     * a job due later, nor a leased one before its lease ends (from then on it counts from the lease's end), nor a
     * lane's follower while the lane's oldest job is being worked on (a follower behind one rescheduled for later, a
     * send held for its offline number, paced, or retrying later, is due with it: see {@link #reschedule}). Reads
     * what a claim reads (for one job; on PostgreSQL for up to
     * {@value #NEXT_DUE_WINDOW}, since there a job whose lease ran out keeps its earlier run_at: only when that many
     * claimable jobs ahead of the answer all had leases may it answer later than the truth, never earlier).
     */
    public java.util.Optional<Instant> oldestClaimable(Handle h, Instant now) {
        Object[] values = claimsInPlace ? new Object[] {now, now} : new Object[] {now};
        return Sql.one(h, oldestClaimableSql, row -> java.util.Optional.ofNullable(row.instant("due")), values)
                .flatMap(due -> due);
    }

    /** The statement behind {@link #oldestClaimable} (its plan is tested on both stores). */
    String oldestClaimableStatement() {
        return oldestClaimableSql;
    }

    /** The statement behind {@link #nextDue} (its plan is tested on PostgreSQL). */
    String nextDueStatement() {
        return nextDueSql;
    }

    /**
     * The two statements of {@link #cancel(Handle, String, String, String)}, outside any lane and in the lane (their
     * plans are tested on both stores).
     */
    List<String> cancelStatements() {
        return cancelSql;
    }

    /**
     * The statement that makes a head's followers due when it is, after a reschedule ({@link #reschedule}) or a wake
     * ({@link #wake}): its parameters are the time, the lane, the head's seq and the time (its plan is tested on both
     * stores).
     */
    String followersStatement() {
        return followersSql;
    }

    /** The claim statement (its plan is tested on PostgreSQL). */
    String claimStatement() {
        return claimSql;
    }

    /** The table's name (for logs and metrics). */
    public String table() {
        return table;
    }

    /** How many rows this process has changed or removed so far (see {@link QueueVacuum}). */
    long changes() {
        return changes.get();
    }

    /**
     * Vacuums the table now (PostgreSQL; false and nothing done on SQLite, which reuses freed pages itself), skipping
     * it if another session is vacuuming it. See {@link QueueVacuum} for why.
     */
    boolean vacuum(Database db) {
        if (dialect != Dialect.POSTGRESQL) {
            return false;
        }
        // TRUNCATE false: a queue table's last pages are empty after most vacuums, and cutting them off takes a lock
        // that holds up every insert and claim; the vacuum kept retrying for it, 37-132 ms a vacuum on average under
        // the send load against 4 ms without (pg_stat_statements), and the pages are soon reused anyway
        db.outsideTransaction("VACUUM (SKIP_LOCKED, TRUNCATE false) " + table);
        return true;
    }

    private static String truncate(String text) {
        return text.length() <= 500 ? text : text.substring(0, 500);
    }
}
