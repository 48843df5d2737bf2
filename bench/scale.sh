#!/usr/bin/env bash
# Horizontal scale on PostgreSQL: the send load of bench/messages.sh against one server process, then against three
# processes sharing one database (wrk split across their ports, the same total connections), printing accepted/s,
# p99 and the drain time for each. On 2 cores the three processes share the same CPUs, so the ratio shows what
# coordinating through the database costs, not what more machines would add. Run it through the launcher:
#
#   ./msgbubbles bench scale
#
# Knobs (environment): DURATION (15 s), WARMUP (25 s at least; up to WARMUP_MAX (60 s) more while a server's JIT is
# busy, see settle_jit in lib.sh), REWARM (5 s more on fresh connections), CONNS (63),
# DRAIN_MAX (120 s), PG_URL_BASE.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/msgbubbles.jar"
DURATION="${DURATION:-15}"; WARMUP="${WARMUP:-25}"; CONNS="${CONNS:-63}"; DRAIN_MAX="${DRAIN_MAX:-120}"
PG_URL_BASE="${PG_URL_BASE:-postgresql://postgres@127.0.0.1:5432}"
JAVA="${JAVA_HOME:?run through ./msgbubbles bench scale}/bin/java"
WORK="$(mktemp -d /tmp/msgbubbles-bench.XXXXXX)"
SERVER_PID=""; PIDS=()

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
cleanup() {
  for pid in "${PIDS[@]}" ${SERVER_PID:+"$SERVER_PID"}; do kill -9 "$pid" 2>/dev/null || true; done
  drop_bench_database
  rm -rf "$WORK"
}
trap cleanup EXIT

# another process on the database start_server created (no new database, no bootstrap)
start_more() {
  launch "$1" "$WORK/server-more-$1.log" MSGBUBBLES_DATABASE_URL="$PG_URL"
  PIDS+=("$LAUNCHED_PID")
}

# load SECONDS PORT... : wrk on every port at once (CONNS split between them); prints "requests/s p99_ms"
load() {
  local seconds="$1"; shift
  local n=$# i=0 outs=() loaders=()
  for port in "$@"; do
    wrk -t1 -c"$((CONNS / n))" -d"${seconds}s" --latency -s "$ROOT/bench/send.lua" "http://127.0.0.1:$port" >"$WORK/wrk-$i.out" &
    loaders+=($!); outs+=("$WORK/wrk-$i.out"); i=$((i + 1))
  done
  wait "${loaders[@]}" # only the loaders: the servers are children too
  local total=0 worst=0
  for out in "${outs[@]}"; do
    total="$(calc "$total + $(awk '/Requests\/sec/ {print $2}' "$out")")"
    local p99; p99="$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$out")"
    worst="$(calc "max($worst, ${p99:-0})")"
  done
  echo "$(calc "round($total)") $(calc "round($worst,1)")"
}

run() {
  local processes="$1" ports=()
  ports+=("$(free_port)")
  start_server postgresql "${ports[0]}"
  for ((p = 1; p < processes; p++)); do ports+=("$(free_port)"); start_more "${ports[$p]}"; done
  log "$processes process(es): warm-up ${WARMUP}s (more while the JIT is busy), then ${REWARM:-5}s on fresh connections (see warm_up in lib.sh)"
  load "$WARMUP" "${ports[@]}" >/dev/null
  settle_jit "$SERVER_PID ${PIDS[*]}" load 5 "${ports[@]}"
  if [[ "${REWARM:-5}" != 0 ]]; then load "${REWARM:-5}" "${ports[@]}" >/dev/null; fi
  wait_empty postgresql "SELECT COUNT(*) FROM jobs WHERE kind NOT LIKE 'purge%'"
  log "$processes process(es): measuring ${DURATION}s"
  local result t1 t2
  result="$(load "$DURATION" "${ports[@]}")"; t1="$(date +%s.%N)"
  wait_empty postgresql "SELECT COUNT(*) FROM jobs WHERE kind NOT LIKE 'purge%'"
  t2="$(date +%s.%N)"
  echo "$processes $result $(calc "round($t2-$t1,1)")" >>"$WORK/results"
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  PIDS=()
  stop_server
  drop_bench_database
}

need wrk psql curl python3
[[ -f "$JAR" ]] || die "missing $JAR (run through ./msgbubbles bench scale, which builds it)"
: >"$WORK/results"
run 1
run 3
echo
echo "POST /v1/messages on PostgreSQL, sandbox at time scale 0, $CONNS connections in all, ${DURATION}s measured, $(nproc) cores shared by everything"
echo
printf '| %-9s | %10s | %9s | %16s |\n' processes accepted/s "p99 (ms)" "drain after load"
printf '|%s|%s|%s|%s|\n' ----------- ------------ ----------- ------------------
one=""
while read -r processes rps p99 drain; do
  [[ -z "$one" ]] && one="$rps"
  printf '| %-9s | %10s | %9s | %16s |\n' "$processes" "$rps" "$p99" "${drain} s"
done <"$WORK/results"
three="$(awk '$1==3 {print $2}' "$WORK/results")"
echo
echo "3 processes / 1 process: $(calc "round($three/$one,2)")x (the same 2 cores: this is the cost of coordinating through the database, not scale-out)"
exit 0
