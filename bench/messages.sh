#!/usr/bin/env bash
# Load benchmark of POST /v1/messages on the sandbox network (time scale 0), on SQLite and PostgreSQL, with
# Kannel's plain sendsms figure from the same run as the peer. Run it through the launcher:
#
#   ./msgbubbles bench
#
# Knobs (environment): DURATION (15 s measured), WARMUP (15 s at least; longer while the JIT is busy, up to
# WARMUP_MAX (60 s) more, see settle_jit in lib.sh), REWARM (5 s more warm-up on fresh connections, see warm_up in lib.sh), THREADS (2), CONNS (64), STORES ("sqlite postgresql"),
# KANNEL (1 = also run ../shared/bench/kannel/run.sh phase A), DRAIN_MAX (120 s), PG_URL_BASE
# (postgresql://postgres@127.0.0.1:5432). Every loop is bounded; all traffic stays on 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/msgbubbles.jar"
DURATION="${DURATION:-15}"; WARMUP="${WARMUP:-15}"; THREADS="${THREADS:-2}"; CONNS="${CONNS:-64}"
STORES="${STORES:-sqlite postgresql}"; KANNEL="${KANNEL:-1}"; DRAIN_MAX="${DRAIN_MAX:-120}"
PG_URL_BASE="${PG_URL_BASE:-postgresql://postgres@127.0.0.1:5432}"
JAVA="${JAVA_HOME:?run through ./msgbubbles bench}/bin/java"
WORK="$(mktemp -d /tmp/msgbubbles-bench.XXXXXX)"
SERVER_PID=""

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
trap stop_and_clean_up EXIT

run_store() {
  local store="$1" port
  port="$(free_port)"
  start_server "$store" "$port"
  log "$store: warm-up ${WARMUP}s (more while the JIT is busy), then ${REWARM:-5}s on fresh connections"
  warm_up "http://127.0.0.1:$port" "$ROOT/bench/send.lua" "$THREADS" "$CONNS"
  # let the warm-up drain so the measured window starts from an empty queue
  wait_empty "$store" "SELECT COUNT(*) FROM jobs WHERE kind NOT LIKE 'purge%'"
  local done0 t0 c0 t1 done1 c1 wrkout
  done0="$(query "$store" "SELECT COUNT(*) FROM messages WHERE status IN ('delivered','read')")"
  c0="$(cpu_ticks "$SERVER_PID")"; t0="$(date +%s.%N)"
  log "$store: measuring ${DURATION}s (wrk -t$THREADS -c$CONNS)"
  wrkout="$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$ROOT/bench/send.lua" "http://127.0.0.1:$port")"
  t1="$(date +%s.%N)"; c1="$(cpu_ticks "$SERVER_PID")"
  done1="$(query "$store" "SELECT COUNT(*) FROM messages WHERE status IN ('delivered','read')")"
  wait_empty "$store" "SELECT COUNT(*) FROM jobs WHERE kind NOT LIKE 'purge%'"
  local t2 left; t2="$(date +%s.%N)"; left="$(query "$store" "SELECT COUNT(*) FROM jobs WHERE kind NOT LIKE 'purge%'")"
  local rps p50 p99 non2xx
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$wrkout")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$wrkout")"; p99="$(awk '$1=="99%" {print $2}' <<<"$wrkout")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$wrkout")"
  local delivered drain cores
  delivered="$(calc "round(($done1-$done0)/($t1-$t0))")"
  drain="$(calc "round($t2-$t1,1)")"; cores="$(calc "round(($c1-$c0)/100/($t1-$t0),2)")"
  printf '%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$store" "$(calc "round($rps)")" "$p50" "$p99" "$delivered" "$drain" "${left}" "${non2xx:-0}" "$cores" >>"$WORK/results"
  stop_server
  return 0
}

need wrk sqlite3 psql curl python3
[[ -f "$JAR" ]] || die "missing $JAR (run through ./msgbubbles bench, which builds it)"
: >"$WORK/results"
for store in $STORES; do run_store "$store"; done

KANNEL_LINE=""
if [[ "$KANNEL" == 1 ]]; then
  KANNEL_SH="$ROOT/../shared/bench/kannel/run.sh"
  if [[ -x "$KANNEL_SH" || -f "$KANNEL_SH" ]]; then
    log "kannel: phase A only (DURATION=$DURATION), same machine, same wrk settings"
    KANNEL_LINE="$(DURATION="$DURATION" THREADS="$THREADS" CONNS="$CONNS" DLR_PHASE=0 MO_COUNT=0 bash "$KANNEL_SH" 2>/dev/null | grep '^kannel:' | tail -1 || true)"
  else
    log "kannel: $KANNEL_SH not found; skipping the peer figure"
  fi
fi
k_acc="$(sed -n 's/.*accepted=\([0-9.]*\)\/s.*/\1/p' <<<"$KANNEL_LINE")"
k_p99="$(sed -n 's/.*p99=\([0-9.]*\) ms.*/\1/p' <<<"$KANNEL_LINE")"

echo
echo "POST /v1/messages, sandbox network at time scale 0, wrk -t$THREADS -c$CONNS keep-alive, ${DURATION}s measured, $(nproc) cores shared by wrk and server"
echo
printf '| %-10s | %11s | %8s | %8s | %14s | %19s | %8s | %11s |\n' store accepted/s "p50" "p99" "delivered/s" "drain after load" "vs Kannel" "server cores"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|\n' ------------ ------------- ---------- ---------- ---------------- --------------------- ---------- -------------
while IFS='|' read -r store rps p50 p99 delivered drain left non2xx cores; do
  ratio="n/a"; [[ -n "$k_acc" ]] && ratio="$(calc "round($rps/$k_acc,2)")x"
  note="${drain} s"; [[ "$left" != 0 ]] && note="${drain} s ($left jobs left)"
  [[ "$non2xx" != 0 ]] && rps="$rps ($non2xx non-2xx)"
  printf '| %-10s | %11s | %8s | %8s | %14s | %19s | %8s | %11s |\n' "$store" "$rps" "$p50" "$p99" "$delivered" "$note" "$ratio" "$cores"
done <"$WORK/results"
[[ -n "$k_acc" ]] && printf '| %-10s | %11s | %8s | %8s | %14s | %19s | %8s | %11s |\n' "kannel" "$k_acc" "" "${k_p99}ms" "" "" "1.00x" ""
echo
echo "accepted/s: 202 responses per second (each message with its timeline, its event and its send job durably committed);"
echo "delivered/s: messages reaching delivered or read during the window; drain: time after load stops until no job is left."
[[ -n "$KANNEL_LINE" ]] && echo "peer: $KANNEL_LINE (Kannel 1.4.5 sendsms, in memory, no persistence)"
exit 0
