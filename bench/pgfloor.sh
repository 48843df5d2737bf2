#!/usr/bin/env bash
# PostgreSQL's own CPU per send for the writes a durable send asks of it, with no server of ours in between: pgbench
# runs the statements of bench/pgfloor/ straight against the database, fifteen sends to a transaction (about the sends
# per commit under the send load), in four cumulative steps: the message row; its status update; its send job
# (inserted, claimed, deleted); its four events, packed fifteen to a row under the lock that orders cursors. The tables
# are the migrations' (bench/pgfloor/schema.sql) with a cheaper bigint key for messages, and every step makes the
# fewest statements and round trips those writes allow. It is not a strict floor: ids, handles and the events'
# payloads are put together in the database, where the server binds them ready-made, and since the twenty-fourth
# session the server's own send path has measured below it (106 against 164-167 us in the same hour). Compare the
# last line with "PostgreSQL CPU ... us per request" of `./msgbubbles bench profile postgresql`. Why this exists:
# under Kannel's same-run rate (about 20,000 sendsms/s here) the whole 2-core machine has 100 us per message for the
# load generator, the server and the database together (bench/JOURNAL.md, twenty-third session).
#
#   ./msgbubbles bench pgfloor
#
# Knobs (environment): CLIENTS (4 pgbench connections; the server writes through two, and CLIENTS=2 gave the whole
# send in the same range by hand), DURATION (10 s measured per step, after WARMUP (5 s) of the same step), PG_URL_BASE.
# CPU is read from /proc for every process named postgres, as `bench profile` does, while pgbench's connections are
# open; transactions are counted by the blocks sequence over the same window. The job table is vacuumed every second,
# as the workers vacuum theirs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_URL_BASE="${PG_URL_BASE:-postgresql://postgres@127.0.0.1:5432}"
CLIENTS="${CLIENTS:-4}"; DURATION="${DURATION:-10}"; WARMUP="${WARMUP:-5}"
WORK="$(mktemp -d /tmp/msgbubbles-pgfloor.XXXXXX)"
DB="msgbubbles_pgfloor_$$"
VACUUMER=""; LOADER=""
cleanup() {
  [[ -n "$VACUUMER" ]] && kill "$VACUUMER" 2>/dev/null || true
  [[ -n "$LOADER" ]] && kill "$LOADER" 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$PG_URL_BASE/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh" # log, die, need, postgres_ticks
for n in "$CLIENTS" "$DURATION" "$WARMUP"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "CLIENTS, DURATION and WARMUP are whole numbers, at least 1"
done
need psql python3
command -v pgbench >/dev/null || die "missing pgbench (Debian: it comes with the postgresql package)"
psql "$PG_URL_BASE/postgres" -qAtc "SELECT 1" >/dev/null 2>&1 || die "PostgreSQL at $PG_URL_BASE is not reachable"

blocks() { psql "$PG_URL_BASE/$DB" -qAtc "SELECT last_value FROM blocks"; }

# step LABEL FRAGMENT...: a fresh database, the transaction made of those fragments, warm-up, then the measured
# window; prints one line of the table
step() {
  local label="$1"; shift
  psql "$PG_URL_BASE/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 \
    || die "cannot drop $DB (DROP DATABASE ... WITH (FORCE) needs PostgreSQL 13 or later)"
  psql "$PG_URL_BASE/postgres" -qc "CREATE DATABASE $DB" >/dev/null || die "cannot create $DB"
  psql "$PG_URL_BASE/$DB" -q -v ON_ERROR_STOP=1 -f "$ROOT/bench/pgfloor/schema.sql" >/dev/null || die "schema.sql failed"
  local script="$WORK/transaction.sql"
  cat "$ROOT/bench/pgfloor/0-begin.sql" "${@/#/$ROOT/bench/pgfloor/}" "$ROOT/bench/pgfloor/9-commit.sql" >"$script"
  local bench=(pgbench "$PG_URL_BASE/$DB" -n -M prepared -D x=0 -f "$script" -c "$CLIENTS" -j 2)
  "${bench[@]}" -T "$WARMUP" >"$WORK/warmup.log" 2>&1 || { tail -5 "$WORK/warmup.log" >&2; die "pgbench failed ($label)"; }
  ( while sleep 1; do psql "$PG_URL_BASE/$DB" -qc "VACUUM (SKIP_LOCKED, TRUNCATE false) j" >/dev/null 2>&1 || true; done ) &
  VACUUMER=$!
  # the run outlasts the window by seconds: its connections must not end while the window's last CPU reading is taken
  # (a backend that ends between postgres_ticks listing it and reading it is lost from that reading). With 2 s to
  # spare one step once printed a negative figure, most likely that: the sleeps and psql calls before the last reading
  # come to about 11.5 s of the 12 under load.
  "${bench[@]}" -T "$((DURATION + 5))" >"$WORK/run.log" 2>&1 &
  LOADER=$!
  sleep 1
  local b0 p0 t0 b1 p1 t1
  b0="$(blocks)"; p0="$(postgres_ticks)"; t0="$(date +%s.%N)"
  sleep "$DURATION"
  b1="$(blocks)"; p1="$(postgres_ticks)"; t1="$(date +%s.%N)"
  wait "$LOADER" || { LOADER=""; tail -5 "$WORK/run.log" >&2; die "pgbench failed ($label)"; }
  LOADER=""
  kill "$VACUUMER" 2>/dev/null || true; wait "$VACUUMER" 2>/dev/null || true; VACUUMER=""
  grep -q 'aborted' "$WORK/run.log" && { tail -5 "$WORK/run.log" >&2; die "pgbench aborted ($label)"; }
  python3 - "$label" "$b0" "$b1" "$p0" "$p1" "$t0" "$t1" <<'PY'
import sys
label, b0, b1, p0, p1, t0, t1 = sys.argv[1], *map(float, sys.argv[2:])
seconds = t1 - t0
sends = (b1 - b0) * 15 / seconds
cores = (p1 - p0) / 100 / seconds
print("%-34s %9.0f %18.2f %14.1f" % (label, sends, cores, cores * 1e6 / sends if sends else float("nan")))
PY
}

log "PostgreSQL's CPU per send without the server: $CLIENTS pgbench clients, 15 sends a transaction, ${DURATION} s a step"
printf '%-34s %9s %18s %14s\n' "what each send writes" "sends/s" "PostgreSQL cores" "us per send"
step "its message row" 1-message.sql
step "+ its status update" 1-message.sql 2-status.sql
step "+ its send job" 1-message.sql 2-status.sql 3-job.sql
step "+ its four events (a whole send)" 1-message.sql 2-status.sql 3-job.sql 4-events.sql
