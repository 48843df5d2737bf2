#!/usr/bin/env bash
# Event streams catching up beside other requests, on one store: SEED seconds of the send load fill the event log,
# then STREAMS clients open GET /v1/events/stream?after=0 at once and read as fast as they can (as EventSource clients
# do after a restart) while a probe sends POST /v1/messages on a new connection every half second for DURATION
# seconds. Prints the probes' median and longest latency and the events the streams received. Run it through the
# launcher:
#
#   ./msgbubbles bench streams [sqlite|postgresql]
#
# Knobs (environment): STREAMS (50), DURATION (20 s), SEED (5 s of sends), THREADS (2), CONNS (32),
# PG_URL_BASE (postgresql://postgres@127.0.0.1:5432). All traffic stays on 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/msgbubbles.jar"
STORE="${1:-sqlite}"
STREAMS="${STREAMS:-50}"; DURATION="${DURATION:-20}"; SEED="${SEED:-5}"; THREADS="${THREADS:-2}"; CONNS="${CONNS:-32}"
PG_URL_BASE="${PG_URL_BASE:-postgresql://postgres@127.0.0.1:5432}"
JAVA="${JAVA_HOME:?run through ./msgbubbles bench streams}/bin/java"
WORK="$(mktemp -d /tmp/msgbubbles-streams.XXXXXX)"
SERVER_PID=""

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
trap stop_and_clean_up EXIT
case "$STORE" in sqlite|postgresql) ;; *) echo "usage: streams.sh [sqlite|postgresql]" >&2; exit 2;; esac
need wrk sqlite3 psql curl python3

port="$(free_port)"; url="http://127.0.0.1:$port"
start_server "$STORE" "$port"
log "$STORE: ${SEED}s of sends to fill the event log"
wrk -t"$THREADS" -c"$CONNS" -d"${SEED}s" -s "$ROOT/bench/send.lua" "$url" >/dev/null
wait_empty "$STORE" "SELECT COUNT(*) FROM jobs WHERE kind NOT LIKE 'purge%'"
events="$(query "$STORE" "SELECT COALESCE(MAX(cursor), 0) FROM events")"
log "$STORE: $events events; $STREAMS streams from the start, a send probed every 0.5 s for ${DURATION}s"
python3 "$ROOT/bench/streams.py" "$port" "$BENCH_KEY" "$STREAMS" "$DURATION" "+18005550100"
