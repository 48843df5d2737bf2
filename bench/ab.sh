#!/usr/bin/env bash
# Compares two builds under the same load in alternating runs, in both orders (A B, B A, A B, ...): on this 2-vCPU
# machine whole runs move by ±15–30 % with its phase, and the second run of a back-to-back pair was often the faster
# (five pairs of six in the eighteenth session), so only pairs taken in both orders say whether a change pays
# (bench/JOURNAL.md). Run it through the launcher, which finds the JDK:
#
#   ./msgbubbles bench ab BASE [OTHER]
#
# A is git revision BASE; B is revision OTHER or, without it, this checkout as it is now (uncommitted changes
# included). A revision is built in a temporary git worktree, removed at the end. To compare settings rather than
# code, give both sides the same code and set A_ENV / B_ENV (server settings for that side's runs, NAME=VALUE
# separated by spaces, e.g. B_ENV=MSGBUBBLES_SQLITE_CHECKPOINT_MILLIS=20) or A_JAVA_OPTS / B_JAVA_OPTS (JVM options
# added to BENCH_JAVA_OPTS for that side, e.g. B_JAVA_OPTS=-XX:+UseParallelGC): `B_JAVA_OPTS=… ./msgbubbles bench ab HEAD`.
# Knobs (environment): PAIRS (3), STORE (postgresql or sqlite; postgresql), BENCH (profile: `bench profile STORE`,
# requests per second; webhooks: `bench webhooks` with STORES=STORE KANNEL=0 MO_COUNT=0, verified webhooks per
# second), and every knob of that benchmark, passed on to each run (DURATION, WARMUP, LOAD, PROFILE_ENV,
# BENCH_JAVA_OPTS, ...). Each run's whole output is kept in a temporary directory, named at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${JAVA_HOME:?run through ./msgbubbles bench ab}"
PAIRS="${PAIRS:-3}"; STORE="${STORE:-postgresql}"; BENCH="${BENCH:-profile}"
usage() { echo "usage: ./msgbubbles bench ab BASE [OTHER]   (PAIRS, STORE, BENCH=profile|webhooks)" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
case "$STORE" in sqlite|postgresql) ;; *) echo "STORE is sqlite or postgresql" >&2; exit 2;; esac
case "$BENCH" in profile|webhooks) ;; *) echo "BENCH is profile or webhooks" >&2; exit 2;; esac
[[ "$PAIRS" =~ ^[1-9][0-9]*$ ]] || { echo "PAIRS is a whole number of pairs, at least 1" >&2; exit 2; }
for setting in ${A_ENV:-} ${B_ENV:-}; do # each word NAME=VALUE: anything else would be run as a command by env
  [[ "$setting" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "A_ENV and B_ENV hold NAME=VALUE settings, not '$setting'" >&2; exit 2; }
done
command -v mvn >/dev/null || { echo "missing mvn" >&2; exit 1; }

rev() { git -C "$ROOT" rev-parse --verify --quiet "$1^{commit}" || { echo "not a revision: $1" >&2; exit 2; }; }
A_REV="$(rev "$1")"
B_REV=""; [[ $# -eq 2 ]] && B_REV="$(rev "$2")"
WORK="$(mktemp -d /tmp/msgbubbles-ab.XXXXXX)"
TREES=()
cleanup() {
  for tree in "${TREES[@]}"; do git -C "$ROOT" worktree remove --force "$tree" >/dev/null 2>&1 || true; done
  git -C "$ROOT" worktree prune >/dev/null 2>&1 || true
}
trap cleanup EXIT

checkout() { # revision, directory: a worktree of that revision, removed at the end
  TREES+=("$2")
  git -C "$ROOT" worktree add --detach --quiet "$2" "$1"
}
A_DIR="$WORK/a"; checkout "$A_REV" "$A_DIR"
if [[ -n "$B_REV" ]]; then B_DIR="$WORK/b"; checkout "$B_REV" "$B_DIR"; B_NAME="${B_REV:0:12}"
else B_DIR="$ROOT"; B_NAME="this checkout$([[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ]] && echo " (with uncommitted changes)")"; fi
echo "A: ${A_REV:0:12} ($(git -C "$ROOT" log -1 --format=%s "$A_REV" | cut -c1-70))${A_ENV:+ with $A_ENV}${A_JAVA_OPTS:+ with JVM options $A_JAVA_OPTS}"
echo "B: $B_NAME${B_ENV:+ with $B_ENV}${B_JAVA_OPTS:+ with JVM options $B_JAVA_OPTS}"
# the worktrees are built before the first run, so that no run pays for a build (this checkout the launcher built)
for dir in "${TREES[@]}"; do
  (cd "$dir" && mvn -B -q -DskipTests package >"$WORK/build.log" 2>&1) \
    || { echo "build failed in $dir:" >&2; tail -20 "$WORK/build.log" >&2; exit 1; }
done

# one run of side A or B: prints "rate p99 server-us database-us" (what the benchmark reports; "-" where it does not)
measure() {
  local dir="$2" log="$3" env_var="$1_ENV" opts_var="$1_JAVA_OPTS" settings opts
  settings="${!env_var:-}"; opts="${BENCH_JAVA_OPTS:-} ${!opts_var:-}"
  # shellcheck disable=SC2086 # settings is a list of NAME=VALUE on purpose (both branches)
  if [[ "$BENCH" == profile ]]; then
    (cd "$dir" && env $settings BENCH_JAVA_OPTS="$opts" ./msgbubbles bench profile "$STORE") >"$log" 2>&1 || return 1
    awk '/^Requests\/sec:/ {rate = $2}
         /^ +99%/ {p99 = $2}
         /^server CPU:/ {server = $(NF - 3)}
         /^PostgreSQL CPU:/ {database = $(NF - 3)}
         END {if (rate == "") exit 1; printf "%s %s %s %s\n", rate, p99 ? p99 : "-", server ? server : "-", database ? database : "-"}' "$log"
  else
    (cd "$dir" && env $settings BENCH_JAVA_OPTS="$opts" STORES="$STORE" KANNEL=0 MO_COUNT=0 ./msgbubbles bench webhooks) \
      >"$log" 2>&1 || return 1
    awk -F '|' -v store="$STORE" '$2 ~ "^ *" store " *$" {gsub(/[ ,]/, "", $5); gsub(/ /, "", $4); rate = $5; p99 = $4}
         END {if (rate == "") exit 1; printf "%s %s - -\n", rate, p99}' "$log"
  fi
}

echo "$([[ "$BENCH" == profile ]] && echo "bench profile $STORE: requests/s" || echo "bench webhooks ($STORE): verified webhooks/s"), $PAIRS pair(s), alternating A B, B A, ..."
RESULTS="$WORK/results"
: >"$RESULTS"
run=0
for ((pair = 1; pair <= PAIRS; pair++)); do
  order="A B"; ((pair % 2 == 0)) && order="B A"
  for build in $order; do
    run=$((run + 1))
    dir="$A_DIR"; [[ "$build" == B ]] && dir="$B_DIR"
    log="$WORK/run-$run-$build.log"
    if ! figures="$(measure "$build" "$dir" "$log")"; then
      echo "run $run ($build) failed; its output:" >&2; tail -30 "$log" >&2; exit 1
    fi
    read -r rate p99 server database <<<"$figures"
    echo "$pair $build $rate" >>"$RESULTS"
    printf 'pair %d  %s  %10.0f/s  p99 %9s  server %4s us  database %4s us per request\n' \
      "$pair" "$build" "$rate" "$p99" "$server" "$database"
  done
done

# means, B against A pair by pair (a pair within 2 % is a tie), and how often the second run of a pair was the faster
awk -v pairs="$PAIRS" '
  {rate[$1, $2] = $3; sum[$2] += $3; n[$2]++; second[$1] = $3; if (!($1 in first)) first[$1] = $3}
  END {
    a = sum["A"] / n["A"]; b = sum["B"] / n["B"]
    for (p = 1; p <= pairs; p++) {
      r = rate[p, "B"] / rate[p, "A"]; ratios = ratios sprintf(" %.2f", r)
      if (r >= 1.02) wins++; else if (r <= 0.98) losses++
      if (second[p] > first[p]) later++
    }
    change = 100 * (b / a - 1)
    printf "mean A %.0f/s, B %.0f/s: B/A %.3f (%+.1f %%); B/A pair by pair:%s\n", a, b, b / a, change, ratios
    printf "B higher by 2 %% or more in %d of %d pairs, lower by 2 %% or more in %d; the second run of a pair higher in %d of %d\n", \
      wins, pairs, losses, later, pairs
    if (wins == pairs && change >= 5) verdict = sprintf("B faster in every pair, by %.1f %% on average", change)
    else if (losses == pairs && change <= -5) verdict = sprintf("B slower in every pair, by %.1f %% on average", -change)
    else verdict = "no consistent difference of 5 % or more (inside the noise of this machine)"
    # all pairs agree on a direction by chance alone once in 2^(pairs - 1)
    print "verdict: " verdict (pairs < 3 ? "; fewer than three pairs are too few to tell" \
      : sprintf("; %d pairs agree by chance alone once in %d", pairs, 2 ^ (pairs - 1)))
  }' "$RESULTS"
echo "each run's output: $WORK"
