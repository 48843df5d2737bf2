#!/usr/bin/env bash
# Read benchmark: the API's authenticated GET endpoints under keep-alive load, one after another, on one store that
# first took SEED seconds of the send load (so lists, threads and the event log have rows to page through). Prints
# requests/s, p50 and p99 and the server's CPU per request for each endpoint. Run it through the launcher:
#
#   ./msgbubbles bench reads [sqlite|postgresql]
#
# Knobs (environment): DURATION (10 s measured per endpoint), WARMUP (5 s per endpoint, and 15 s of it at least
# for the first, more while the JIT is busy, see settle_jit in lib.sh), SEED (10 s of sends first), THREADS (2),
# CONNS (64), ENDPOINTS (which, in this order; all by default: "numbers messages message chats chat thread events"),
# DRAIN_MAX (120 s), PG_URL_BASE (postgresql://postgres@127.0.0.1:5432). All traffic stays on 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/msgbubbles.jar"
STORE="${1:-sqlite}"
DURATION="${DURATION:-10}"; WARMUP="${WARMUP:-5}"; SEED="${SEED:-10}"; THREADS="${THREADS:-2}"; CONNS="${CONNS:-64}"
DRAIN_MAX="${DRAIN_MAX:-120}"; ENDPOINTS="${ENDPOINTS:-numbers messages message chats chat thread events}"
PG_URL_BASE="${PG_URL_BASE:-postgresql://postgres@127.0.0.1:5432}"
JAVA="${JAVA_HOME:?run through ./msgbubbles bench reads}/bin/java"
WORK="$(mktemp -d /tmp/msgbubbles-reads.XXXXXX)"
SERVER_PID=""

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
trap stop_and_clean_up EXIT
case "$STORE" in sqlite|postgresql) ;; *) echo "usage: reads.sh [sqlite|postgresql]" >&2; exit 2;; esac
need wrk sqlite3 psql curl python3

port="$(free_port)"; url="http://127.0.0.1:$port"
start_server "$STORE" "$port"
log "$STORE: ${SEED}s of sends to have something to read"
wrk -t"$THREADS" -c"$CONNS" -d"${SEED}s" -s "$ROOT/bench/send.lua" "$url" >/dev/null
wait_empty "$STORE" "SELECT COUNT(*) FROM jobs WHERE kind NOT LIKE 'purge%'"
auth=(-H "Authorization: Bearer $BENCH_KEY")
# one message and its thread, for the single-object reads
first_message="$(curl -sf "${auth[@]}" "$url/v1/messages?limit=1")"
message="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])' <<<"$first_message")"
chat="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["conversation_id"])' <<<"$first_message")"
messages="$(query "$STORE" "SELECT COUNT(*) FROM messages")"
log "$STORE: $messages messages stored"

declare -A endpoint=([numbers]="/v1/numbers" [messages]="/v1/messages?limit=10" [message]="/v1/messages/$message"
  [chats]="/v1/chats?limit=10" [chat]="/v1/chats/$chat" [thread]="/v1/messages?conversation_id=$chat&limit=10"
  [events]="/v1/events?limit=10")
paths=()
for name in $ENDPOINTS; do
  [[ -n "${endpoint[$name]:-}" ]] || die "ENDPOINTS: unknown endpoint '$name' (numbers messages message chats chat thread events)"
  paths+=("${endpoint[$name]}")
done
first=1
printf '%-52s %9s %8s %8s %9s\n' "GET" "req/s" "p50" "p99" "µs CPU" >"$WORK/results"
for path in "${paths[@]}"; do
  code="$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$url$path")"
  [[ "$code" == 200 ]] || die "$path answered $code"
  if (( first )); then
    wrk -t"$THREADS" -c"$CONNS" -d"$((WARMUP > 15 ? WARMUP : 15))s" "${auth[@]}" "$url$path" >/dev/null
    settle_jit "$SERVER_PID" wrk -t"$THREADS" -c"$CONNS" -d5s "${auth[@]}" "$url$path"
    first=0
  else
    wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "${auth[@]}" "$url$path" >/dev/null
  fi
  c0="$(cpu_ticks "$SERVER_PID")"
  out="$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "${auth[@]}" "$url$path")"
  c1="$(cpu_ticks "$SERVER_PID")"
  non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  [[ -z "$non2xx" ]] || die "$path: $non2xx responses were not 2xx"
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"; p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  cpu="$(calc "round(($c1-$c0)*10000/($rps*$DURATION))")"
  shown="${path//$message/:id}"; shown="${shown//$chat/:chat}"
  printf '%-52s %9s %8s %8s %9s\n' "$shown" "$(calc "round($rps)")" "$p50" "$p99" "$cpu" >>"$WORK/results"
  log "$STORE: $shown $(calc "round($rps)")/s"
done
stop_server
echo
echo "Reads on $STORE ($messages messages; wrk -t$THREADS -c$CONNS, ${DURATION}s each; µs CPU = server CPU per request)"
cat "$WORK/results"
