#!/usr/bin/env bash
# Runs every load scenario against YarpEgress and direct, alternating, and prints one markdown table of medians and
# ratios. Builds Release, starts the gateway with bench/perf-kit.json (its SNI routes point at the load tool's
# upstreams), warms it up, measures, stops it.
#   bench/run-matrix.sh                    # RUNS=3 WARM=2 DUR=8 by default
#   RUNS=1 DUR=3 bench/run-matrix.sh       # a quick look
#   PIN=none bench/run-matrix.sh           # everything floats; default PIN=split: gateway on CPU 1, load and upstreams on CPU 0
#   SPLICE=off bench/run-matrix.sh         # detached tunnels copied, not spliced (Egress:Tunnels:Splice; default on)
#   SPLICE_PIPE_BYTES=262144 ...           # the splice engine's pipe size (Egress:Tunnels:SplicePipeBytes; default: the kernel's)
#   ONLY='1 stream down' ...               # only the rows whose label matches this (grep -E) pattern; idle rows too with IDLE=1
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}; WARM=${WARM:-2}; DUR=${DUR:-8}; PIN=${PIN:-split}
SPLICE=${SPLICE:-on}; ONLY=${ONLY:-}
case "$SPLICE" in on) SPLICE_ENV="Egress__Tunnels__Splice=true";; off) SPLICE_ENV="Egress__Tunnels__Splice=false";; *) echo "SPLICE must be on or off" >&2; exit 2;; esac
[ -n "${SPLICE_PIPE_BYTES:-}" ] && SPLICE_ENV="$SPLICE_ENV Egress__Tunnels__SplicePipeBytes=$SPLICE_PIPE_BYTES"
if [ "$PIN" = split ]; then ON_PROXY="taskset -c 1"; ON_LOAD="taskset -c 0"; else ON_PROXY=""; ON_LOAD=""; fi
OUT=${OUT:-/tmp/yarp-egress-matrix}
mkdir -p "$OUT"; : > "$OUT/results.txt"

dotnet build src/YarpEgress -c Release -v q -nologo > /dev/null
dotnet build bench/YarpEgress.Bench -c Release -v q -nologo > /dev/null
# The runtime settings of the Dockerfile (tiered JIT promotes hot code at once; see its comment).
GATEWAY="$ON_PROXY env DOTNET_TC_CallCountingDelayMs=0 $SPLICE_ENV dotnet src/YarpEgress/bin/Release/net10.0/YarpEgress.dll --config bench/perf-kit.json"
BENCH="$ON_LOAD dotnet bench/YarpEgress.Bench/bin/Release/net10.0/YarpEgress.Bench.dll"
ulimit -n 20000

pid=""
start_gateway() {
  $GATEWAY > "$OUT/gateway.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/13100) 2>/dev/null && return 0; sleep 0.1; done
  echo "the gateway did not start; see $OUT/gateway.log" >&2; exit 1
}
stop_gateway() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=""; }
trap stop_gateway EXIT

# label|bench arguments
SCENARIOS=(
  "CONNECT, 1 stream down (MiB/s)|--scenario connect-bulk --direction down --concurrency 1"
  "CONNECT, 1 stream up (MiB/s)|--scenario connect-bulk --direction up --concurrency 1"
  "CONNECT, 8 streams down (MiB/s)|--scenario connect-bulk --direction down --concurrency 8"
  "SNI, 1 stream down (MiB/s)|--scenario sni-bulk --direction down --concurrency 1"
  "SNI, 1 stream up (MiB/s)|--scenario sni-bulk --direction up --concurrency 1"
  "CONNECT, new tunnels, 64 in flight (conn/s)|--scenario connect-newconn --concurrency 64"
  "SNI, new connections, 64 in flight (conn/s)|--scenario sni-newconn --concurrency 64"
  "HTTP GET 1 KiB, keep-alive, 64 conns (req/s)|--scenario http-get --concurrency 64 --payload 1024"
)
if [ -n "$ONLY" ]; then
  kept=(); for entry in "${SCENARIOS[@]}"; do echo "${entry%%|*}" | grep -Eq -- "$ONLY" && kept+=("$entry"); done
  [ ${#kept[@]} -gt 0 ] || { echo "ONLY='$ONLY' matches no scenario" >&2; exit 2; }
  SCENARIOS=("${kept[@]}")
fi
echo "splice: $SPLICE_ENV" >&2

start_gateway
# JIT tiering settles in the first seconds: drive every path once before measuring.
for entry in "${SCENARIOS[@]}"; do $BENCH ${entry#*|} --warmup 0 --duration 2 > /dev/null; done

for run in $(seq 1 "$RUNS"); do
  for entry in "${SCENARIOS[@]}"; do
    label=${entry%%|*}; args=${entry#*|}
    for path in direct gateway; do
      extra=(--warmup "$WARM" --duration "$DUR")
      [ "$path" = direct ] && extra+=(--direct true) || extra+=(--pid "$pid")
      line=$($BENCH $args "${extra[@]}" | grep '^result ' || echo "result value=0 errors=failed")
      echo "$label|$path|$line" | tee -a "$OUT/results.txt" >&2
    done
  done
done

# Idle memory on a freshly started gateway (with ONLY, only if IDLE=1).
IDLE_SCENARIOS="idle-tunnels idle-sni"; [ -n "$ONLY" ] && [ "${IDLE:-0}" != 1 ] && IDLE_SCENARIOS=""
for scenario in $IDLE_SCENARIOS; do
  stop_gateway; start_gateway; sleep 1
  line=$($BENCH --scenario "$scenario" --count "${IDLE_N:-2000}" --pid "$pid" | grep '^result ' || echo "result value=0")
  kind=CONNECT; [ "$scenario" = idle-sni ] && kind=SNI
  echo "Idle tunnel, proxy RSS per tunnel, $kind (KiB)|gateway|$line" | tee -a "$OUT/results.txt" >&2
done
stop_gateway

awk -F'|' -v runs="$RUNS" -v pin="$PIN" "$(cat bench/results.awk)"'
  END {
    printf "| scenario | direct | YarpEgress | ratio | p99 direct / YarpEgress (us) | proxy CPU per op (us) |\n"
    printf "|---|---|---|---|---|---|\n"
    for (i = 1; i <= count; i++) {
      s = order[i]; d = s SUBSEP "direct"; g = s SUBSEP "gateway"
      dv = (d in values) ? median(values[d]) : ""
      gv = median(values[g])
      ratio = dv > 0 ? sprintf("%.2f", gv / dv) : "-"
      lat = (p99[g] ~ /[0-9]/) ? sprintf("%s / %s", median(p99[d]), median(p99[g])) : "-"
      c = (cpu[g] ~ /[0-9]/) ? sprintf("%.0f", median(cpu[g])) : "-"
      printf "| %s | %s | %s | %s | %s | %s |\n", s, (dv == "" ? "-" : sprintf("%.0f", dv)), sprintf("%.1f", gv), ratio, lat, c
    }
    printf "\nmedians of %d run(s), PIN=%s; raw result lines in the results file\n", runs, pin
  }' "$OUT/results.txt" | tee "$OUT/matrix.md"
