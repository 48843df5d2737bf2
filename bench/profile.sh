#!/usr/bin/env bash
# Profiling run of the send load (the same wrk script as bench/messages.sh) against one store, printing
# throughput, latency, server CPU per request, CPU by thread and the size of SQLite's log. Run it through the
# launcher, which builds the jar and finds the JDK:
#
#   ./msgbubbles bench profile [sqlite|postgresql]
#
# Knobs (environment): DURATION (15 s), WARMUP (15 s at least; up to WARMUP_MAX (60 s) more while the JIT is busy),
# REWARM (5 s more warm-up on fresh connections), PAUSE (0:
# measure as soon as the queue drained, like the benchmark; a pause lets SQLite's checkpoint catch up first), JFR=1 (write a flight recording and keep it),
# LOG_LEVEL (WARN), BENCH_JAVA_OPTS (more JVM options, e.g. a profiler agent), PROFILE_ENV (more server settings,
# e.g. MSGBUBBLES_WORKER_ENABLED=false to measure acceptance alone), LOAD (send: POST /v1/messages, bench/send.lua;
# inbound: POST /v1/sandbox/inbound from 1,000 contacts, bench/inbound.lua), SQLITE_PAGE_SIZE (create the SQLite database with
# this page size first), PG_URL_BASE (postgresql://postgres@127.0.0.1:5432), WAITS=1 (PostgreSQL: sample what the
# database's sessions of this run are doing every 50 ms while measured, from pg_stat_activity, and print the most
# frequent wait events with their statements; one psql session, ≈ 20 small queries a second), WALSTAT=1 (which tables
# the store's write-ahead log is written for while measured: SQLite, frames sampled from the log file every 0.5 s by
# bench/walstat.py, mapped to tables with sqlite3's dbstat; PostgreSQL, every log record of the window, by relation,
# from the pg_walinspect extension created in the run's database).
# All traffic stays on 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STORE="${1:-sqlite}"
DURATION="${DURATION:-15}"; WARMUP="${WARMUP:-15}"; PAUSE="${PAUSE:-0}"
PG_URL_BASE="${PG_URL_BASE:-postgresql://postgres@127.0.0.1:5432}"
JAVA="${JAVA_HOME:?run through ./msgbubbles bench profile}/bin/java"
WORK="$(mktemp -d /tmp/msgbubbles-profile.XXXXXX)"
PID=""
SCRAPER=""
DB="msgbubbles_profile_$$"
cleanup() {
  [[ -n "$SCRAPER" ]] && kill "$SCRAPER" 2>/dev/null
  if [[ -n "$PID" ]]; then kill -9 "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  [[ "$STORE" == postgresql ]] && psql "$PG_URL_BASE/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  if [[ "${JFR:-0}" == 1 ]]; then rm -rf "$WORK/data"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh" # warm_up
case "$STORE" in sqlite|postgresql) ;; *) echo "usage: profile.sh [sqlite|postgresql]" >&2; exit 2;; esac
case "${LOAD:-send}" in send|inbound) SCRIPT="$ROOT/bench/${LOAD:-send}.lua" ;; *) echo "LOAD is send or inbound" >&2; exit 2;; esac
need wrk python3 # installed with apt when missing, as the other benchmarks do (it only said so before)
[[ "$STORE" == postgresql ]] && need psql
if [[ "${WALSTAT:-0}" == 1 && "$STORE" == sqlite ]]; then
  command -v sqlite3 >/dev/null || { echo "WALSTAT needs sqlite3 (apt-get install sqlite3)" >&2; exit 1; }
fi

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
mkdir -p "$WORK/data"
if [[ -n "${SQLITE_PAGE_SIZE:-}" && "$STORE" == sqlite ]]; then
  # page_size only takes on a database created with it: sqlite-jdbc switches to WAL before it would set it
  command -v sqlite3 >/dev/null || { echo "SQLITE_PAGE_SIZE needs sqlite3 (apt-get install sqlite3)" >&2; exit 1; }
  sqlite3 "$WORK/data/msgbubbles.db" "PRAGMA page_size=$SQLITE_PAGE_SIZE; PRAGMA journal_mode=WAL;" >/dev/null
fi
env=(MSGBUBBLES_PORT="$port" MSGBUBBLES_DATA_DIR="$WORK/data" MSGBUBBLES_SANDBOX_TIME_SCALE=0
     MSGBUBBLES_RATE_LIMIT_PER_MINUTE=10000000 MSGBUBBLES_LOG_LEVEL="${LOG_LEVEL:-WARN}" ${PROFILE_ENV:-})
if [[ "$STORE" == postgresql ]]; then
  psql "$PG_URL_BASE/postgres" -qc "CREATE DATABASE $DB" >/dev/null
  env+=(MSGBUBBLES_DATABASE_URL="$PG_URL_BASE/$DB")
fi
jfr=(); [[ "${JFR:-0}" == 1 ]] && jfr=(-XX:StartFlightRecording=filename="$WORK/recording.jfr",settings=profile)
# shellcheck disable=SC2206 # BENCH_JAVA_OPTS is a list of JVM options, split on spaces on purpose
extra=(${BENCH_JAVA_OPTS:-})
env "${env[@]}" "$JAVA" -Xms1g -Xmx1g --enable-native-access=ALL-UNNAMED "${jfr[@]}" "${extra[@]}" -jar "$ROOT/target/msgbubbles.jar" serve \
  >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 150); do grep -q 'listening on' "$WORK/server.log" && break; sleep 0.2; done
grep -q 'listening on' "$WORK/server.log" || { tail -5 "$WORK/server.log" >&2; exit 1; }
export BENCH_KEY; BENCH_KEY="$(awk '/test key:/ {print $3}' "$WORK/server.log")"

# The window is read through GET /metrics (below). After a warm-up of nothing but the load's POSTs, that first GET
# made the JIT throw away the request parsing it had compiled (uncommon traps in Helidon's Http1Prologue.doRead,
# Http1Connection.route, Headers.contentLength; -XX:+PrintCompilation), and recompiling took 0.04-0.11 of a core in
# the measured window of `bench profile sqlite`; scraped every half second during the warm-up, as a monitoring
# system would, 0.01.
( while sleep 0.5; do curl -s "http://127.0.0.1:$port/metrics" >/dev/null; done ) &
SCRAPER=$!
SERVER_PID=$PID warm_up "http://127.0.0.1:$port" "$SCRIPT"
kill "$SCRAPER"; wait "$SCRAPER" 2>/dev/null || true; SCRAPER=""
sleep "$PAUSE"

# per thread: name|CPU ticks; a thread that ends between the listing and the reads is left out
threads() { local t name ticks
  for t in /proc/$PID/task/*; do
    name="$(cat "$t/comm" 2>/dev/null)" && ticks="$(awk '{print $14+$15}' "$t/stat" 2>/dev/null)" && [[ -n "$ticks" ]] \
      && printf '%s|%s\n' "$name" "$ticks"
  done; return 0; }
io() { awk '/^(syscw|wchar):/ {printf "%s ", $2}' "/proc/$PID/io"; }
commits() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^msgbubbles_group_commit_units_(count|sum)/ {printf "%s ", $2}'; }
# CPU of every PostgreSQL process (the server's backends included), 0 on SQLite
pg_ticks() { if [[ "$STORE" == postgresql ]]; then postgres_ticks; else echo 0; fi; }
gc0="$(commits)"; pg0="$(pg_ticks)"
threads >"$WORK/threads0"; c0="$(awk '{print $14+$15}' "/proc/$PID/stat")"; io0="$(io)"
waits_pid=""
if [[ "$STORE" == postgresql && "${WAITS:-0}" == 1 ]]; then
  # one psql session for the whole window: a query and a 50 ms sleep per sample, so that sampling forks nothing
  sample="SELECT '#'; SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') || ' | '
            || left(regexp_replace(query, '\s+', ' ', 'g'), 60)
          FROM pg_stat_activity WHERE datname = '$DB' AND state = 'active' AND pid <> pg_backend_pid();
          SELECT pg_sleep(0.05);"
  for ((i = 0; i < DURATION * 20; i++)); do echo "$sample"; done \
    | psql "$PG_URL_BASE/postgres" -Atq >"$WORK/waits" 2>/dev/null &
  waits_pid=$!
fi
walstat_pid=""; lsn0=""
if [[ "${WALSTAT:-0}" == 1 ]]; then
  if [[ "$STORE" == sqlite ]]; then
    python3 "$ROOT/bench/walstat.py" watch "$WORK/data/msgbubbles.db-wal" "$WORK/walframes" "$DURATION" &
    walstat_pid=$!
  elif psql "$PG_URL_BASE/$DB" -qc "CREATE EXTENSION IF NOT EXISTS pg_walinspect" >/dev/null 2>&1; then
    lsn0="$(psql "$PG_URL_BASE/$DB" -Atc "SELECT pg_current_wal_flush_lsn()")"
  else
    echo "WALSTAT: the pg_walinspect extension is not available (PostgreSQL 15 or later, contrib)" >&2
  fi
fi
out="$(wrk -t2 -c64 -d"${DURATION}s" --latency -s "$SCRIPT" "http://127.0.0.1:$port")"
[[ -n "$waits_pid" ]] && { kill "$waits_pid" 2>/dev/null || true; wait "$waits_pid" 2>/dev/null || true; }
c1="$(awk '{print $14+$15}' "/proc/$PID/stat")"; threads >"$WORK/threads1"; io1="$(io)"; gc1="$(commits)"; pg1="$(pg_ticks)"

requests="$(awk '/requests in/ {print $1}' <<<"$out")"
grep -E 'Requests/sec|^ +(50|75|90|99)%|Non-2xx' <<<"$out"
python3 - "$WORK/threads0" "$WORK/threads1" "$DURATION" "$c0" "$c1" "$requests" "$io0" "$io1" "$gc0" "$gc1" "$pg0" "$pg1" <<'PY'
import collections, sys
def load(path):
    ticks = collections.Counter()
    for line in open(path):
        name, _, value = line.rstrip("\n").rpartition("|")
        ticks[name] += int(value)
    return ticks
before, after = load(sys.argv[1]), load(sys.argv[2])
seconds, c0, c1, requests = float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
print("server CPU: %.2f cores, %.0f us per request" % ((c1 - c0) / 100 / seconds, (c1 - c0) * 10000 / requests))
busiest = sorted(((after[k] - before.get(k, 0)) / 100 / seconds, k) for k in after)[::-1][:6]
if sys.argv[12] != "0" or sys.argv[11] != "0":
    pg = int(sys.argv[12]) - int(sys.argv[11])
    print("PostgreSQL CPU: %.2f cores, %.0f us per request" % (pg / 100 / seconds, pg * 10000 / requests))
print("busiest threads (cores): " + ", ".join("%s=%.2f" % (name, cores) for cores, name in busiest))
(w0, s0), (w1, s1) = (map(int, sys.argv[7].split()), map(int, sys.argv[8].split()))
(n0, u0), (n1, u1) = (map(float, sys.argv[9].split()), map(float, sys.argv[10].split()))
print("group commit: %.0f commits/s, %.1f units per commit" % ((n1 - n0) / seconds, (u1 - u0) / max(n1 - n0, 1)))
print("writes (all files and sockets): %.1f calls and %.1f KB per request" % ((s1 - s0) / requests, (w1 - w0) / 1024 / requests))
PY
if [[ -s "$WORK/waits" ]]; then
  # per sample: '#' then one line per active session; share = sessions seen in that state per sample taken
  awk '$0 == "#" {n++; next} NF {c[$0]++; t++} END {
         printf "PostgreSQL sessions, sampled %d times (every 50 ms): average active %.1f; most frequent states:\n", n, t / (n ? n : 1)
         for (k in c) printf "%8.2f  %s\n", c[k] / (n ? n : 1), k }' "$WORK/waits" \
    | { IFS= read -r head; echo "$head"; sort -rn | head -10; }
fi
if [[ -n "$walstat_pid" ]]; then
  wait "$walstat_pid" || true
  sqlite3 -separator ' ' "$WORK/data/msgbubbles.db" "SELECT pageno, name FROM dbstat" >"$WORK/pages"
  python3 "$ROOT/bench/walstat.py" report "$WORK/walframes" "$WORK/pages"
fi
if [[ -n "$lsn0" ]]; then
  # the log is the cluster's: other databases' writes in the window count too (on this machine, none)
  echo "PostgreSQL log records of the measured window by relation: records and bytes per request (full-page images included)"
  psql "$PG_URL_BASE/$DB" -At -F '|' -c "
    WITH r AS (SELECT substring(block_ref FROM 'rel [0-9]+/[0-9]+/([0-9]+)') AS node, record_length
                 FROM pg_get_wal_records_info('$lsn0', pg_current_wal_flush_lsn()))
    SELECT round(count(*)::numeric / $requests, 2), round(sum(record_length)::numeric / $requests),
           coalesce(c.relname, '(no relation: commits and others)')
      FROM r LEFT JOIN pg_class c ON c.relfilenode::text = r.node
     GROUP BY 3 ORDER BY 2 DESC LIMIT 14" | awk -F '|' '{printf "%8s %7s B  %s\n", $1, $2, $3}'
fi
[[ -f "$WORK/data/msgbubbles.db-wal" ]] && echo "SQLite log (WAL) size: $(du -h "$WORK/data/msgbubbles.db-wal" | cut -f1)"
if [[ "${JFR:-0}" == 1 ]]; then
  jcmd "$PID" JFR.dump filename="$WORK/recording.jfr" >/dev/null
  echo "flight recording: $WORK/recording.jfr (jfr print --events jdk.ExecutionSample ...)"
fi
