#!/usr/bin/env bash
# Resident memory of the gateway before, during and after rounds of idle tunnels, per GC setting (issue 14: memory
# after load). RSS is not timing, so this may run on a busy machine. For each setting: start the Release gateway with
# bench/perf-kit.json (its ports moved by PORT_SHIFT so it does not collide with a run-matrix), wait, sample the
# baseline, run ROUNDS x `idle-tunnels --count COUNT`, and IDLE seconds after each round sample RSS again.
#   bench/idle-memory.sh                          # COUNT=9000 ROUNDS=2 IDLE=30
#   SETTINGS="default" COUNT=2000 bench/idle-memory.sh
#   SETTINGS="server-gc-datas splice-off-no-trim idle-trim-default splice-off" bench/idle-memory.sh   # splice engine vs copier
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-9000}; ROUNDS=${ROUNDS:-2}; IDLE=${IDLE:-30}; PORT_SHIFT=${PORT_SHIFT:-10000}
OUT=$(mktemp -d /tmp/yarpegress-idle-memory-XXXXXX)
trap 'stop_gateway; rm -rf "$OUT"' EXIT
ulimit -n 20000

# label|environment (on top of the Dockerfile's runtime settings, which include DOTNET_gcServer=1; .NET 10 turns DATAS
# on with Server GC by default); Egress:Memory:IdleTrimAfter is the gateway's own trim after a quiet period
OFF=Egress__Memory__IdleTrimAfter=00:00:00
ALL_SETTINGS=(
  "server-gc-datas|$OFF"
  "datas-off|$OFF DOTNET_GCDynamicAdaptationMode=0"
  "conserve-7|$OFF DOTNET_GCConserveMemory=7"
  "retainvm-0|$OFF DOTNET_GCRetainVM=0"
  "workstation|$OFF DOTNET_gcServer=0"
  "idle-trim-default|"
  "idle-trim-10s|Egress__Memory__IdleTrimAfter=00:00:10"
  "conserve-7+idle-trim-10s|Egress__Memory__IdleTrimAfter=00:00:10 DOTNET_GCConserveMemory=7"
  "workstation+idle-trim-10s|Egress__Memory__IdleTrimAfter=00:00:10 DOTNET_gcServer=0"
  "splice-off|Egress__Tunnels__Splice=false"
  "splice-off-no-trim|$OFF Egress__Tunnels__Splice=false"
)
SETTINGS=${SETTINGS:-all}

[ -n "${NO_BUILD:-}" ] || { dotnet build src/YarpEgress -c Release -v q -nologo > /dev/null; dotnet build bench/YarpEgress.Bench -c Release -v q -nologo > /dev/null; }
shift_port() { echo $(( $1 + PORT_SHIFT )); }
PROXY=$(shift_port 13100); ADMIN=$(shift_port 9990); BASE=$(shift_port 19001)
sed -e "s/13100/$PROXY/; s/14400/$(shift_port 14400)/; s/9990/$ADMIN/; s/18443/$(shift_port 18443)/g; s/18080/$(shift_port 18080)/" \
    -e "s/19001-19004/$BASE-$(shift_port 19004)/; s/19001/$BASE/; s/19002/$(shift_port 19002)/; s/19003/$(shift_port 19003)/" \
    bench/perf-kit.json > "$OUT/perf-kit.json"
BENCH="dotnet bench/YarpEgress.Bench/bin/Release/net10.0/YarpEgress.Bench.dll"

pid=""
stop_gateway() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=""; }
rss() { awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM:/ { printf "%d", $2 / 1024 }' "/proc/$pid/status"; }

echo "| setting | baseline MiB | peak MiB | $(for r in $(seq 1 "$ROUNDS"); do printf 'after round %s + %ss MiB | ' "$r" "$IDLE"; done)"
echo "|---|---|---|$(for _ in $(seq 1 "$ROUNDS"); do printf -- '---|'; done)"
for entry in "${ALL_SETTINGS[@]}"; do
  label=${entry%%|*}; extra=${entry#*|}
  [ "$SETTINGS" = all ] || [[ " $SETTINGS " == *" $label "* ]] || continue
  env DOTNET_gcServer=1 DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 DOTNET_TC_CallCountingDelayMs=0 $extra \
    dotnet src/YarpEgress/bin/Release/net10.0/YarpEgress.dll --config "$OUT/perf-kit.json" > "$OUT/gateway-$label.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$PROXY") 2>/dev/null && break; sleep 0.1; done
  sleep 5
  row="| $label | $(rss) |"
  afters=""
  for _ in $(seq 1 "$ROUNDS"); do
    $BENCH --scenario idle-tunnels --count "$COUNT" --pid "$pid" --proxy "127.0.0.1:$PROXY" --upstream-base "$BASE" > "$OUT/bench-$label.log" 2>&1 \
      || { echo "bench failed for $label:" >&2; tail -5 "$OUT/bench-$label.log" >&2; }
    sleep "$IDLE"
    afters="$afters $(rss) |"
  done
  echo "$row $(hwm) |$afters"
  stop_gateway
done
