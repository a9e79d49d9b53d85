#!/usr/bin/env bash
# What verified proxy credentials cost: http-get and new CONNECT tunnels through a gateway whose one client must send
# Basic credentials (with them, --proxy-credentials), against the same gateway without clients (without them). Both
# gateways run side by side from bench/perf-kit.json; the authenticating one gets its client, and other ports, from
# environment overrides. Measurements alternate; the table has medians and the ratio (goal: 0.90 or more).
#   bench/run-auth.sh                 # RUNS=3 WARM=2 DUR=8, PIN=split (gateways on CPU 1, load and upstreams on CPU 0)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}; WARM=${WARM:-2}; DUR=${DUR:-8}; PREWARM=${PREWARM:-2}; PIN=${PIN:-split}
if [ "$PIN" = split ]; then ON_PROXY="taskset -c 1"; ON_LOAD="taskset -c 0"; else ON_PROXY=""; ON_LOAD=""; fi
OUT=${OUT:-/tmp/yarp-egress-auth}
mkdir -p "$OUT"; : > "$OUT/results.txt"

dotnet build src/YarpEgress -c Release -v q -nologo > /dev/null
dotnet build bench/YarpEgress.Bench -c Release -v q -nologo > /dev/null
DLL=src/YarpEgress/bin/Release/net10.0/YarpEgress.dll
HASH=$(printf 'bench-secret\n' | dotnet "$DLL" hash-password)
GATEWAY="$ON_PROXY env DOTNET_TC_CallCountingDelayMs=0 dotnet $DLL --config bench/perf-kit.json"
BENCH="$ON_LOAD dotnet bench/YarpEgress.Bench/bin/Release/net10.0/YarpEgress.Bench.dll"
ulimit -n 20000

pids=()
wait_port() {
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "no gateway on port $1; see $OUT/*.log" >&2; exit 1
}
stop_gateways() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done; pids=(); }
trap stop_gateways EXIT

$GATEWAY > "$OUT/plain.log" 2>&1 & pids+=($!); plain_pid=$!
Egress__Listeners__0__Port=13200 Egress__Listeners__1__Port=14500 Egress__Admin__Port=9991 \
  Egress__Clients__0__Name=bench Egress__Clients__0__ProxyUser=bench Egress__Clients__0__ProxyPasswordHash="$HASH" \
  $GATEWAY > "$OUT/auth.log" 2>&1 & pids+=($!); auth_pid=$!
wait_port 13100; wait_port 13200

# label|bench arguments
SCENARIOS=(
  "HTTP GET 1 KiB, keep-alive, 64 conns (req/s)|--scenario http-get --concurrency 64 --payload 1024"
  "CONNECT, new tunnels, 64 in flight (conn/s)|--scenario connect-newconn --concurrency 64"
)
run() { # path label args...
  local path=$1; shift
  if [ "$path" = auth ]; then
    $BENCH "$@" --proxy 127.0.0.1:13200 --proxy-credentials bench:bench-secret --pid "$auth_pid"
  else
    $BENCH "$@" --proxy 127.0.0.1:13100 --pid "$plain_pid"
  fi
}

# JIT tiering settles in the first seconds: drive both gateways before measuring.
for entry in "${SCENARIOS[@]}"; do for path in plain auth; do run "$path" ${entry#*|} --warmup 0 --duration "$PREWARM" > /dev/null; done; done

for i in $(seq 1 "$RUNS"); do
  for entry in "${SCENARIOS[@]}"; do
    label=${entry%%|*}; args=${entry#*|}
    for path in plain auth; do
      line=$(run "$path" $args --warmup "$WARM" --duration "$DUR" | grep '^result ' || echo "result value=0 errors=failed")
      echo "$label|$path|$line" | tee -a "$OUT/results.txt" >&2
    done
  done
done
stop_gateways

awk -F'|' -v runs="$RUNS" -v pin="$PIN" "$(cat bench/results.awk)"'
  END {
    printf "| scenario | without credentials | with verified credentials | ratio | proxy CPU per op, without / with (us) | errors with |\n"
    printf "|---|---|---|---|---|---|\n"
    for (i = 1; i <= count; i++) {
      s = order[i]; p = s SUBSEP "plain"; a = s SUBSEP "auth"
      pv = median(values[p]); av = median(values[a])
      printf "| %s | %.0f | %.0f | %s | %s / %s | %s |\n", s, pv, av, (pv > 0 ? sprintf("%.2f", av / pv) : "-"),
        median(cpu[p]), median(cpu[a]), substr(errors[a], 2)
    }
    printf "\nmedians of %d run(s), PIN=%s; raw result lines in the results file\n", runs, pin
  }' "$OUT/results.txt" | tee "$OUT/auth.md"
