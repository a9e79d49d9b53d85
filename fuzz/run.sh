#!/usr/bin/env bash
# Fuzzes one target with AFL++ through SharpFuzz: fuzz/run.sh TARGET EXECS [minimize]
#   TARGET   clienthello | connect | destination | config (see FuzzTargets.cs)
#   EXECS    stop after about this many executions (afl-fuzz -E)
#   minimize afterwards, replace fuzz/corpus/TARGET with the afl-cmin'd queue
# Needs afl++ (apt-get install -y afl++). Work files go to $FUZZ_WORK (default /tmp/yarpegress-fuzz-TARGET), removed at the end
# unless KEEP_FUZZ_WORK=1; crashes, if any, are copied to fuzz/findings/TARGET first.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/run.sh TARGET EXECS [minimize]}
execs=${2:?usage: fuzz/run.sh TARGET EXECS [minimize]}
minimize=${3:-}
corpus=fuzz/corpus/$target
work=${FUZZ_WORK:-/tmp/yarpegress-fuzz-$target}
[ -d "$corpus" ] && [ -n "$(ls -A "$corpus")" ] || { echo "no seed corpus in $corpus" >&2; exit 2; }
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install -y afl++" >&2; exit 2; }

rm -rf "$work" && mkdir -p "$work"
cleanup() { [ "${KEEP_FUZZ_WORK:-0}" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

dotnet tool restore >/dev/null
dotnet publish fuzz/YarpEgress.Fuzz -c Release -o "$work/bin" -v quiet -nologo >/dev/null
# Only the gateway's own assembly is instrumented: coverage of its parsers is what steers the fuzzer.
dotnet sharpfuzz "$work/bin/YarpEgress.dll" >/dev/null

export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_NO_AFFINITY=1 AFL_MAP_SIZE=65536 AFL_ALLOW_TMP=1
run=("$(command -v dotnet)" "$work/bin/YarpEgress.Fuzz.dll" "$target")
nice -n 19 afl-fuzz -i "$corpus" -o "$work/out" -E "$execs" -t 10000 -m none -- "${run[@]}" > "$work/afl.log" 2>&1 || {
  tail -n 30 "$work/afl.log" >&2; exit 1; }

stats=$work/out/default/fuzzer_stats
grep -E '^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|edges_found|run_time) ' "$stats"
crashes=$(find "$work/out/default/crashes" -type f -name 'id:*' | wc -l)
if [ "$crashes" -gt 0 ]; then
  mkdir -p "fuzz/findings/$target" && cp "$work"/out/default/crashes/id:* "fuzz/findings/$target/"
  echo "$crashes crashing inputs copied to fuzz/findings/$target (replay without AFL: dotnet run --project fuzz/YarpEgress.Fuzz -- $target FILE)"
fi

if [ "$minimize" = minimize ]; then
  nice -n 19 afl-cmin -i "$work/out/default/queue" -o "$work/cmin" -t 10000 -m none -- "${run[@]}" > "$work/cmin.log" 2>&1 || {
    tail -n 30 "$work/cmin.log" >&2; exit 1; }
  rm -rf "$corpus" && mkdir -p "$corpus"
  i=0
  for f in "$work"/cmin/*; do cp "$f" "$corpus/$(printf '%04d' $i)"; i=$((i + 1)); done
  echo "corpus: $i inputs in $corpus"
fi
