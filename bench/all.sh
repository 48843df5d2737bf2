#!/usr/bin/env bash
# The whole benchmark suite in one run, each part printing its table: sends on SQLite and PostgreSQL next to Kannel
# (bench/messages.sh), signed webhooks and inbound next to Kannel's DLR callbacks (bench/webhooks.sh), one vs three
# processes on PostgreSQL (bench/scale.sh), then the crash test at full size (CRASH_BURST sends, SIGKILL mid-burst,
# restart; both stores). Run it through the launcher (about 20 minutes):
#
#   ./msgbubbles bench all
#
# Knobs: those of each part (DURATION, WARMUP, THREADS, CONNS, STORES, KANNEL, ...), and CRASH_BURST (2000).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CRASH_BURST="${CRASH_BURST:-2000}"

echo "## Sends"; bash "$ROOT/bench/messages.sh"
echo; echo "## Webhooks and inbound"; bash "$ROOT/bench/webhooks.sh"
echo; echo "## One process or three (PostgreSQL)"; bash "$ROOT/bench/scale.sh"
echo; echo "## Crash test, $CRASH_BURST sends per store"
rm -f "$ROOT"/target/surefire-reports/*CrashIT-output.txt
if "$ROOT/msgbubbles" test -q -Dtest='*CrashIT' -Dsurefire.failIfNoSpecifiedTests=false \
    -Dmsgbubbles.crash.burst="$CRASH_BURST" >"$ROOT/target/bench-crash.log" 2>&1; then
  result="passed"
else
  result="FAILED (see target/bench-crash.log)"
fi
for report in "$ROOT"/target/surefire-reports/*CrashIT-output.txt; do
  [[ -f "$report" ]] && sed -n "s/^crash test: /$(basename "$report" -output.txt | sed 's/dev.msgbubbles.//'): /p" "$report"
done
echo "crash test: $result (every 202 reached a final status, none sent twice, every event delivered at least once)"
