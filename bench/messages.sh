#!/usr/bin/env bash
# Load benchmark of POST /v1/messages on the sandbox network (time scale 0), on SQLite and PostgreSQL, with
# Kannel's plain sendsms figure from the same run as the peer. Run it through the launcher:
#
#   ./msgbubbles bench
#
# Knobs (environment): DURATION (15 s measured), WARMUP (15 s: the JIT is still compiling after 5), THREADS (2), CONNS (64), STORES ("sqlite postgresql"),
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

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill -9 "$SERVER_PID" 2>/dev/null || true
  psql "$PG_URL_BASE/postgres" -qc "DROP DATABASE IF EXISTS msgbubbles_bench_$$ WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

need() {
  local missing=()
  for tool in wrk sqlite3 psql curl python3; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  if (( ${#missing[@]} )); then
    log "installing ${missing[*]} with apt"
    local pkgs=(); for t in "${missing[@]}"; do case "$t" in psql) pkgs+=(postgresql-client);; *) pkgs+=("$t");; esac; done
    (apt-get install -y -q "${pkgs[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${pkgs[@]}" >/dev/null; }) \
      || die "could not install ${pkgs[*]}"
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
calc() { python3 -c "print($1)"; }

# query STORE SQL -> single value
query() {
  if [[ "$1" == sqlite ]]; then sqlite3 "$WORK/data/msgbubbles.db" "$2"; else psql "$PG_URL" -Atc "$2"; fi
}

run_store() {
  local store="$1" port env=() out="$WORK/server-$1.log"
  port="$(free_port)"
  rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  env=(MSGBUBBLES_PORT="$port" MSGBUBBLES_DATA_DIR="$WORK/data" MSGBUBBLES_SANDBOX_TIME_SCALE=0
       MSGBUBBLES_RATE_LIMIT_PER_MINUTE=10000000 MSGBUBBLES_LOG_LEVEL=WARN)
  if [[ "$store" == postgresql ]]; then
    local db="msgbubbles_bench_$$"
    psql "$PG_URL_BASE/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 && psql "$PG_URL_BASE/postgres" -qc "CREATE DATABASE $db" >/dev/null \
      || die "PostgreSQL at $PG_URL_BASE is not reachable"
    PG_URL="$PG_URL_BASE/$db"; env+=(MSGBUBBLES_DATABASE_URL="$PG_URL")
  fi
  env "${env[@]}" "$JAVA" -Xms1g -Xmx1g --enable-native-access=ALL-UNNAMED -jar "$JAR" serve >"$out" 2>&1 &
  SERVER_PID=$!
  local waited=0
  until grep -q 'listening on' "$out" 2>/dev/null; do
    sleep 0.2; waited=$((waited + 1)); (( waited < 150 )) || die "server did not start: $(tail -5 "$out")"
  done
  local key; key="$(awk '/test key:/ {print $3}' "$out")"
  export BENCH_KEY="$key"
  log "$store: warm-up ${WARMUP}s"
  wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$ROOT/bench/send.lua" "http://127.0.0.1:$port" >/dev/null
  # let the warm-up drain so the measured window starts from an empty queue
  local i=0; while [[ "$(query "$store" "SELECT COUNT(*) FROM jobs WHERE kind <> 'purge_idempotency_keys'")" != 0 ]] && (( i < DRAIN_MAX * 5 )); do sleep 0.2; i=$((i+1)); done
  local done0 t0 c0 t1 done1 c1 wrkout
  done0="$(query "$store" "SELECT COUNT(*) FROM messages WHERE status IN ('delivered','read')")"
  c0="$(cpu_ticks "$SERVER_PID")"; t0="$(date +%s.%N)"
  log "$store: measuring ${DURATION}s (wrk -t$THREADS -c$CONNS)"
  wrkout="$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$ROOT/bench/send.lua" "http://127.0.0.1:$port")"
  t1="$(date +%s.%N)"; c1="$(cpu_ticks "$SERVER_PID")"
  done1="$(query "$store" "SELECT COUNT(*) FROM messages WHERE status IN ('delivered','read')")"
  local i=0; while [[ "$(query "$store" "SELECT COUNT(*) FROM jobs WHERE kind <> 'purge_idempotency_keys'")" != 0 ]] && (( i < DRAIN_MAX * 5 )); do sleep 0.2; i=$((i+1)); done
  local t2 left; t2="$(date +%s.%N)"; left="$(query "$store" "SELECT COUNT(*) FROM jobs WHERE kind <> 'purge_idempotency_keys'")"
  local rps p50 p99 non2xx
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$wrkout")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$wrkout")"; p99="$(awk '$1=="99%" {print $2}' <<<"$wrkout")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$wrkout")"
  local delivered drain cores
  delivered="$(calc "round(($done1-$done0)/($t1-$t0))")"
  drain="$(calc "round($t2-$t1,1)")"; cores="$(calc "round(($c1-$c0)/100/($t1-$t0),2)")"
  printf '%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$store" "$(calc "round($rps)")" "$p50" "$p99" "$delivered" "$drain" "${left}" "${non2xx:-0}" "$cores" >>"$WORK/results"
  kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  return 0
}

need
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
