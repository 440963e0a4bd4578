#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# SECONDS (default 30), seeded from tests/data (the source's fixtures, the
# incidents and the hostile corpus with its fuzz regressions). A crash, leak,
# UBSan report, timeout (an input slower than 25 s) or out-of-memory fails the
# script and leaves the reproducer in $GUMSHOE_FUZZ_BUILD/crashes/<target>/.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
# Environment: GUMSHOE_FUZZ_BUILD (default <repo>/build-fuzz), GUMSHOE_FUZZ_JOBS
# (build parallelism, default nproc).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-30}
shift || true
GUMSHOE_WITH_CLANG=1 "$root/scripts/install-deps.sh"
build="${GUMSHOE_FUZZ_BUILD:-$root/build-fuzz}"
# -O1 with line tables, as OSS-Fuzz builds: a third of the compile time of
# -O2 -g, and crash reports still name file and line.
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DGUMSHOE_FUZZ=ON -DGUMSHOE_BUILD_BENCH=OFF >/dev/null
# One target per source, with its seed folders, from the rows of kSources in
# ingest/src/registry.cc (tests/ingest/registry_test.cc checks this reading),
# then the targets that are not sources.
declare -A seeds=([entity_ref]="adversarial hostile/regress" [time]="" [splitter]="cloudtrail guardduty" [threat_header]="")
sources=()
while IFS='=' read -r name dirs; do
  sources+=("$name")
  seeds[$name]=$dirs
done < <(sed -nE 's/^    \{"([a-z0-9_]+)", &New[A-Za-z0-9]+, "([^"]*)"\},$/\1=\2/p' "$root/ingest/src/registry.cc")
if ((${#sources[@]} == 0)); then
  echo "fuzz.sh: no source rows read from ingest/src/registry.cc" >&2
  exit 1
fi
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=("${sources[@]}" entity_ref time splitter threat_header)
fi
cmake --build "$build" -j"${GUMSHOE_FUZZ_JOBS:-$(nproc)}" --target "${targets[@]/#/fuzz_}"
# UBSan reports are findings too: stop at the first one so libFuzzer saves it.
# Third-party reports we cannot fix are suppressed, each with its reason, in
# tests/fuzz/ubsan_suppressions.txt.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$root/tests/fuzz/ubsan_suppressions.txt${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
status=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  crashes="$build/crashes/$t"
  mkdir -p "$corpus" "$crashes"
  dirs=(${seeds[$t]:-})
  if [[ $t != entity_ref && $t != time && $t != threat_header ]]; then dirs+=(incidents hostile); fi
  for d in "${dirs[@]}"; do
    [[ -d "$root/tests/data/$d" ]] && find "$root/tests/data/$d" -type f -size -1024k -exec cp -n {} "$corpus/" \; || true
  done
  echo "== fuzz_$t for ${seconds}s" >&2
  if ! "$build/tests/fuzz/fuzz_$t" "$corpus" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=25 \
      -artifact_prefix="$crashes/" -print_final_stats=1 2>"$build/fuzz_$t.log"; then
    echo "fuzz_$t FAILED; see $build/fuzz_$t.log and $crashes" >&2
    tail -n 40 "$build/fuzz_$t.log" >&2
    status=1
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|cov: ' "$build/fuzz_$t.log" | tail -n 4 >&2 || true
done
exit $status
