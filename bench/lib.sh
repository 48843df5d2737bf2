#!/usr/bin/env bash
# Shared by the benchmark scripts (sourced, not run): logging, tools, ports, CPU ticks and starting a server.
# Expects ROOT, WORK and PG_URL_BASE to be set by the caller.

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# need TOOL... : installs missing tools with apt (psql comes from postgresql-client)
need() {
  local missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  if (( ${#missing[@]} )); then
    log "installing ${missing[*]} with apt"
    local pkgs=(); for t in "${missing[@]}"; do case "$t" in psql) pkgs+=(postgresql-client);; *) pkgs+=("$t");; esac; done
    (apt-get install -y -q "${pkgs[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${pkgs[@]}" >/dev/null; }) \
      || die "could not install ${pkgs[*]}"
  fi
}

# warm_up URL SCRIPT [THREADS CONNS]: WARMUP seconds of load, more while the JIT is still busy (settle_jit, on
# SERVER_PID), then REWARM seconds (5) more on fresh connections.
# The measured run opens new connections too, and the first reconnect after a long stretch of keep-alive requests
# makes the JIT throw away code it had compiled for the connection paths (and everything it had inlined with them);
# recompiling that took 0.17-0.21 of a core in a measured window that followed the warm-up directly and 0.05-0.07
# after a second warm-up on fresh connections (`./msgbubbles bench profile postgresql`, REWARM=0 against REWARM=5),
# a one-off cost of the benchmark's own connection pattern that a server with ordinary connection churn never pays.
warm_up() {
  local url="$1" script="$2" threads="${3:-2}" conns="${4:-64}"
  wrk -t"$threads" -c"$conns" -d"${WARMUP}s" -s "$script" "$url" >/dev/null
  settle_jit "${SERVER_PID:-}" wrk -t"$threads" -c"$conns" -d5s -s "$script" "$url"
  if [[ "${REWARM:-5}" != 0 ]]; then wrk -t"$threads" -c"$conns" -d"${REWARM:-5}s" -s "$script" "$url" >/dev/null; fi
}

# settle_jit "PID..." COMMAND...: runs COMMAND (5 s more of the warm-up's load) again and again while any server in
# PID... (a space-separated list) spent more than JIT_SETTLED seconds (0.25: 5 % of a core) compiling in the last
# run, as `jstat -compiler` reports it; at most WARMUP_MAX seconds (60). A fixed warm-up ended where the compilers
# were still at work on this 2-core machine, where they compete with the load for the CPU: async-profiler put the
# C2 compiler threads at 14 % and 9 % of the server's CPU in the two 10 s slices of the measured window after
# WARMUP=25 (`bench webhooks`, postgresql), and 3 % once they had settled; the same run with WARMUP=55 measured
# 6,467 / 5,555 / 6,358 sends/s against 5,770 / 5,336 / 5,686 (alternating). Steady state is what a server runs in.
settle_jit() {
  local pids="$1"; shift
  local jstat="${JAVA%/java}/jstat" before after extra=0
  if [[ -z "$pids" || ! -x "$jstat" ]]; then return 0; fi
  before="$(jit_seconds "$jstat" "$pids")"
  while (( extra < ${WARMUP_MAX:-60} )); do
    "$@" >/dev/null
    extra=$((extra + 5))
    after="$(jit_seconds "$jstat" "$pids")"
    if [[ "$(calc "int(max(a - b for a, b in zip([$after], [$before])) < ${JIT_SETTLED:-0.25})")" == 1 ]]; then
      log "JIT settled after ${extra}s more warm-up"
      return 0
    fi
    before="$after"
  done
  log "JIT still compiling after ${extra}s more warm-up (WARMUP_MAX); measuring anyway"
}

# jit_seconds JSTAT "PID...": each server's compile time so far in seconds, comma-separated
jit_seconds() {
  local out=() pid seconds
  for pid in $2; do
    seconds="$("$1" -compiler "$pid" 2>/dev/null | awk 'NR == 2 {print $4}')"
    out+=("${seconds:-0}") # unreadable (no perf data): counts as settled
  done
  local IFS=,; echo "${out[*]}"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# postgres_ticks: the CPU ticks of every process named postgres, with those of its ended children for each one whose
# parent is not one (the postmaster: a backend that ends is added to its children's ticks once reaped), so that
# connections opened and closed inside a window count; a process that ends between the listing and its read is
# left out rather than failing the caller (pipefail)
postgres_ticks() {
  local pids; pids="$(pgrep -x postgres | tr '\n' ' ')"
  for p in $pids; do cat "/proc/$p/stat" 2>/dev/null || true; done \
    | awk -v pids=" $pids " '{ t += $14 + $15; if (index(pids, " " $4 " ") == 0) t += $16 + $17 } END { print t + 0 }'
}
calc() { python3 -c "print($1)"; }

# query STORE SQL -> the single value it selects
query() {
  if [[ "$1" == sqlite ]]; then sqlite3 "$WORK/data/msgbubbles.db" "$2"; else psql "$PG_URL" -Atc "$2"; fi
}

# launch PORT LOG [ENV=VALUE...] -> LAUNCHED_PID: a server on the data directory (and database) already set up,
# with the benchmark's settings; returns once it listens
launch() {
  local port="$1" out="$2"; shift 2
  # BENCH_JAVA_OPTS: extra JVM options for the server, a list on purpose (e.g. to compare collectors; the launcher
  # adds serve's collector unless they pick one)
  # shellcheck disable=SC2086
  env MSGBUBBLES_PORT="$port" MSGBUBBLES_DATA_DIR="$WORK/data" MSGBUBBLES_SANDBOX_TIME_SCALE=0 \
    MSGBUBBLES_RATE_LIMIT_PER_MINUTE=10000000 MSGBUBBLES_LOG_LEVEL=WARN "$@" \
    "$JAVA" -Xms1g -Xmx1g ${BENCH_JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED -jar "$JAR" serve >"$out" 2>&1 &
  LAUNCHED_PID=$!
  local waited=0
  until grep -q 'listening on' "$out" 2>/dev/null; do
    sleep 0.2; waited=$((waited + 1)); (( waited < 150 )) || die "server did not start: $(tail -5 "$out")"
  done
}

# start_server STORE PORT [ENV=VALUE...] -> SERVER_PID, PG_URL (postgresql), BENCH_KEY (the first test key):
# a fresh data directory and, for postgresql, a fresh database
start_server() {
  local store="$1" port="$2"; shift 2
  local out="$WORK/server-$store.log" env=("$@")
  rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  if [[ "$store" == postgresql ]]; then
    local db="msgbubbles_bench_$$"
    psql "$PG_URL_BASE/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 && psql "$PG_URL_BASE/postgres" -qc "CREATE DATABASE $db" >/dev/null \
      || die "PostgreSQL at $PG_URL_BASE is not reachable"
    PG_URL="$PG_URL_BASE/$db"; env+=(MSGBUBBLES_DATABASE_URL="$PG_URL")
  fi
  launch "$port" "$out" "${env[@]}"
  SERVER_PID=$LAUNCHED_PID
  BENCH_KEY="$(awk '/test key:/ {print $3}' "$out")"
  export BENCH_KEY
}

stop_server() {
  [[ -n "${SERVER_PID:-}" ]] || return 0
  kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}

drop_bench_database() {
  psql "$PG_URL_BASE/postgres" -qc "DROP DATABASE IF EXISTS msgbubbles_bench_$$ WITH (FORCE)" >/dev/null 2>&1 || true
}

# stop_and_clean_up: for `trap … EXIT` in a script that runs one server at a time (SERVER_PID): kills it, drops
# the benchmark's database and removes WORK
stop_and_clean_up() {
  [[ -n "${SERVER_PID:-}" ]] && kill -9 "$SERVER_PID" 2>/dev/null || true
  drop_bench_database
  rm -rf "$WORK"
}

# wait_empty STORE SQL: polls until SQL counts 0, at most DRAIN_MAX seconds
wait_empty() {
  local i=0
  while [[ "$(query "$1" "$2")" != 0 ]] && (( i < DRAIN_MAX * 5 )); do sleep 0.2; i=$((i + 1)); done
}
