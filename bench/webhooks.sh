#!/usr/bin/env bash
# End-to-end webhook benchmark: wrk drives POST /v1/messages on the sandbox network (time scale 0) while one
# endpoint subscribed to message.delivered (and message.received) receives the signed deliveries, then
# POST /v1/sandbox/inbound (contacts writing in, each a message.received delivery); a local receiver
# (bench/WebhookReceiver.java) verifies each one with the published Standard Webhooks library and counts distinct
# webhook-ids. On SQLite and PostgreSQL, next to Kannel's DLR callback rate (sendsms with dlr-url, phase B of
# ../shared/bench/kannel/run.sh) from the same run. Run it through the launcher:
#
#   ./msgbubbles bench webhooks
#
# The inbound figure's peer is Kannel's phase C: MO_COUNT messages from its fake SMSC forwarded by smsbox to an
# HTTP sink (no MT reply), first to last callback.
#
# Knobs (environment): DURATION (15 s measured), WARMUP (25 s at least; longer while the JIT is busy, up to
# WARMUP_MAX (60 s) more, see settle_jit in lib.sh), REWARM (5 s more warm-up on fresh connections, see warm_up in lib.sh), THREADS (2), CONNS (64), STORES
# ("sqlite postgresql"), KANNEL (1), MO_COUNT (20000; 0 skips Kannel's inbound phase), DRAIN_MAX (120 s),
# PG_URL_BASE. Every loop is bounded; traffic stays on 127.0.0.1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/msgbubbles.jar"
DURATION="${DURATION:-15}"; WARMUP="${WARMUP:-25}"; THREADS="${THREADS:-2}"; CONNS="${CONNS:-64}"
STORES="${STORES:-sqlite postgresql}"; KANNEL="${KANNEL:-1}"; DRAIN_MAX="${DRAIN_MAX:-120}"; MO_COUNT="${MO_COUNT:-20000}"
PG_URL_BASE="${PG_URL_BASE:-postgresql://postgres@127.0.0.1:5432}"
JAVA="${JAVA_HOME:?run through ./msgbubbles bench webhooks}/bin/java"
WORK="$(mktemp -d /tmp/msgbubbles-bench.XXXXXX)"
SERVER_PID=""; RECEIVER_PID=""

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill -9 "$SERVER_PID" 2>/dev/null || true
  [[ -n "$RECEIVER_PID" ]] && kill -9 "$RECEIVER_PID" 2>/dev/null || true
  drop_bench_database
  rm -rf "$WORK"
}
trap cleanup EXIT

# The verifier library: a test dependency of the build, so Maven has it; fetched if this machine never ran the tests.
verifier_jar() {
  local jar="$HOME/.m2/repository/com/standardwebhooks/standardwebhooks/1.2.0/standardwebhooks-1.2.0.jar"
  if [[ ! -f "$jar" ]]; then
    log "fetching com.standardwebhooks:standardwebhooks:1.2.0 with Maven"
    (cd "$ROOT" && ${MVN:-mvn} -B -q dependency:get -Dartifact=com.standardwebhooks:standardwebhooks:1.2.0 >/dev/null) \
      || die "could not fetch the Standard Webhooks library"
  fi
  echo "$jar"
}

stats() { curl -s "http://127.0.0.1:$RPORT/stats"; }
PENDING="SELECT (SELECT COUNT(*) FROM jobs WHERE kind NOT LIKE 'purge%') + (SELECT COUNT(*) FROM delivery_jobs WHERE kind <> 'purge_webhook_deliveries')"

run_store() {
  local store="$1" port
  RPORT="$(free_port)"
  "$JAVA" -cp "$VERIFIER" "$ROOT/bench/WebhookReceiver.java" "$RPORT" >"$WORK/receiver-$store.log" 2>&1 &
  RECEIVER_PID=$!
  local waited=0
  until grep -q 'listening' "$WORK/receiver-$store.log" 2>/dev/null; do
    sleep 0.2; waited=$((waited + 1)); (( waited < 150 )) || die "receiver did not start: $(tail -5 "$WORK/receiver-$store.log")"
  done
  port="$(free_port)"
  start_server "$store" "$port" MSGBUBBLES_WEBHOOK_ALLOW_PRIVATE=true
  local secret
  secret="$(curl -s -H "Authorization: Bearer $BENCH_KEY" -H 'Content-Type: application/json' \
    -d "{\"url\":\"http://127.0.0.1:$RPORT/hook\",\"events\":[\"message.delivered\",\"message.received\"]}" \
    "http://127.0.0.1:$port/v1/webhooks" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["secret"])')"
  curl -sf -d "$secret" "http://127.0.0.1:$RPORT/secret" || die "receiver refused the secret"

  log "$store: warm-up ${WARMUP}s (more while the JIT is busy), then ${REWARM:-5}s on fresh connections"
  warm_up "http://127.0.0.1:$port" "$ROOT/bench/send.lua" "$THREADS" "$CONNS"
  wait_empty "$store" "$PENDING"
  local s0 t0 t1 s1 wrkout
  read -r _ v0 _ _ _ _ <<<"$(stats)"
  t0="$(date +%s.%N)"
  log "$store: measuring ${DURATION}s (wrk -t$THREADS -c$CONNS)"
  wrkout="$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$ROOT/bench/send.lua" "http://127.0.0.1:$port")"
  t1="$(date +%s.%N)"
  read -r _ v1 _ _ _ _ <<<"$(stats)"
  wait_empty "$store" "$PENDING"
  local t2 left; t2="$(date +%s.%N)"; left="$(query "$store" "$PENDING")"

  # inbound: contacts writing in (POST /v1/sandbox/inbound), each a message.received delivered to the endpoint
  log "$store: inbound warm-up 5s, then measuring ${DURATION}s"
  wrk -t"$THREADS" -c"$CONNS" -d5s -s "$ROOT/bench/inbound.lua" "http://127.0.0.1:$port" >/dev/null
  wait_empty "$store" "$PENDING"
  local i0 i1 ti0 ti1 inwrk
  read -r _ i0 _ _ _ _ <<<"$(stats)"; ti0="$(date +%s.%N)"
  inwrk="$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$ROOT/bench/inbound.lua" "http://127.0.0.1:$port")"
  ti1="$(date +%s.%N)"; read -r _ i1 _ _ _ _ <<<"$(stats)"
  wait_empty "$store" "$PENDING"
  local inrps inhooks
  inrps="$(awk '/Requests\/sec/ {print $2}' <<<"$inwrk")"; inhooks="$(calc "round(($i1-$i0)/($ti1-$ti0))")"

  local received verified distinct bad first last
  read -r received verified distinct bad first last <<<"$(stats)"
  local events unsettled
  # a row of events may hold several (their types separated by U+001E; see EventLog.Stored): count the type names
  events="$(query "$store" "SELECT COALESCE(SUM((LENGTH(type) - LENGTH(REPLACE(type, 'message.delivered', ''))) / 17
    + (LENGTH(type) - LENGTH(REPLACE(type, 'message.received', ''))) / 16), 0) FROM events")"
  unsettled="$(query "$store" "SELECT COUNT(*) FROM webhook_deliveries WHERE status <> 'succeeded'")"
  local rps p99 window
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$wrkout")"; p99="$(awk '$1=="99%" {print $2}' <<<"$wrkout")"
  window="$(calc "round(($v1-$v0)/($t1-$t0))")"
  printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$store" "$(calc "round($rps)")" "$p99" "$window" "$events" "$distinct" \
    "$((verified - distinct))" "$bad" "$unsettled" "$(calc "round($t2-$t1,1)")" "$(calc "round($inrps)")" "$inhooks" >>"$WORK/results"
  stop_server
  kill "$RECEIVER_PID" 2>/dev/null || true; wait "$RECEIVER_PID" 2>/dev/null || true; RECEIVER_PID=""
}

need wrk sqlite3 psql curl python3
[[ -f "$JAR" ]] || die "missing $JAR (run through ./msgbubbles bench webhooks, which builds it)"
VERIFIER="$(verifier_jar)"
: >"$WORK/results"
for store in $STORES; do run_store "$store"; done

KANNEL_LINE=""; KANNEL_MO_LINE=""
if [[ "$KANNEL" == 1 ]]; then
  KANNEL_SH="$ROOT/../shared/bench/kannel/run.sh"
  if [[ -f "$KANNEL_SH" ]]; then
    log "kannel: phases A and B (sendsms with dlr-url), DURATION=$DURATION, same wrk settings; phase C ($MO_COUNT MO)"
    KANNEL_OUT="$(DURATION="$DURATION" THREADS="$THREADS" CONNS="$CONNS" DLR_PHASE=1 MO_COUNT="$MO_COUNT" MO_REPLY=0 \
      bash "$KANNEL_SH" 2>/dev/null || true)"
    KANNEL_LINE="$(grep '^kannel-dlr:' <<<"$KANNEL_OUT" | tail -1 || true)"
    KANNEL_MO_LINE="$(grep '^kannel-mo:' <<<"$KANNEL_OUT" | tail -1 || true)"
  else
    log "kannel: $KANNEL_SH not found; skipping the peer figure"
  fi
fi
k_dlr="$(sed -n 's/.*dlr_callbacks=\([0-9.]*\)\/s.*/\1/p' <<<"$KANNEL_LINE")"
k_acc="$(sed -n 's/.*accepted=\([0-9.]*\)\/s.*/\1/p' <<<"$KANNEL_LINE")"
k_p99="$(sed -n 's/.*p99=\([0-9.]*\) ms.*/\1/p' <<<"$KANNEL_LINE")"
k_mo="$(sed -n 's/.*forwarded=\([0-9.]*\)\/s.*/\1/p' <<<"$KANNEL_MO_LINE")"

echo
echo "POST /v1/messages with one endpoint on message.delivered, sandbox at time scale 0, wrk -t$THREADS -c$CONNS, ${DURATION}s measured, $(nproc) cores shared by wrk, server, receiver and database"
echo
printf '| %-10s | %10s | %8s | %18s | %9s | %10s | %15s | %10s | %17s | %17s | %10s | %8s | %9s | %6s |\n' store "sends/s" p99 "verified hooks/s" "vs Kannel" "inbound/s" "inbound hooks/s" "vs Kannel" "events (both)" "distinct verified" duplicates "bad sig" "unsettled" drain
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' ------------ ------------ ---------- -------------------- ----------- ------------ ----------------- ------------ ------------------- ------------------- ------------ ---------- ----------- --------
while IFS='|' read -r store rps p99 window events distinct dups bad unsettled drain inrps inhooks; do
  ratio="n/a"; [[ -n "$k_dlr" ]] && ratio="$(calc "round($window/$k_dlr,2)")x"
  inratio="n/a"; [[ -n "$k_mo" ]] && inratio="$(calc "round($inhooks/$k_mo,2)")x"
  printf '| %-10s | %10s | %8s | %18s | %9s | %10s | %15s | %10s | %17s | %17s | %10s | %8s | %9s | %6s |\n' "$store" "$rps" "$p99" "$window" "$ratio" "$inrps" "$inhooks" "$inratio" "$events" "$distinct" "$dups" "$bad" "$unsettled" "${drain}s"
done <"$WORK/results"
[[ -n "$k_dlr" ]] && printf '| %-10s | %10s | %8s | %18s | %9s | %10s | %15s | %10s | %17s | %17s | %10s | %8s | %9s | %6s |\n' kannel "$k_acc" "${k_p99}ms" "$k_dlr" "1.00x" "" "${k_mo:-}" "$([[ -n "$k_mo" ]] && echo 1.00x)" "" "" "" "" "" ""
echo
echo "verified hooks/s: deliveries verified by the receiver (published Standard Webhooks library) per second during the window;"
echo "inbound/s: POST /v1/sandbox/inbound accepted per second; inbound hooks/s: their message.received deliveries verified per second;"
echo "events vs distinct verified: every message.delivered and message.received event reached the receiver exactly when they are equal;"
echo "duplicates: verified deliveries beyond the first per webhook-id; unsettled: deliveries not succeeded after the drain."
[[ -n "$KANNEL_LINE" ]] && echo "peer: $KANNEL_LINE (Kannel 1.4.5 sendsms with dlr-mask=1 and dlr-url, in memory)"
[[ -n "$KANNEL_MO_LINE" ]] && echo "peer: $KANNEL_MO_LINE (Kannel 1.4.5 MO from its fake SMSC forwarded by smsbox to an HTTP sink, first to last callback)"
exit 0
