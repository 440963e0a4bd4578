#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. Release build, all CTest tests (unit, CLI end to end, crash safety,
#      the embedding example against the installed package, bench smoke);
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build (clang, -O1 with
#      line tables: a third of the compile time of -O2 -g, and the same
#      reports with file and line), the same tests;
#   3. every libFuzzer target for FUZZ_SECONDS (default 30) each.
# GUMSHOE_QUICK=1 runs only stage 1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
GUMSHOE_WITH_CLANG=1 "$root/scripts/install-deps.sh"
jobs=$(nproc)
# Tests tagged [shared] read the real public logs beside the repository; they
# fail rather than skip when the folder is missing, so say why up front.
shared="$root/../shared/datasets"
if [[ ! -d "$shared" ]]; then
  echo "error: $shared is missing: the [shared] tests need the public datasets beside the repository" >&2
  exit 1
fi

# Each stage says how long the run has taken, so a slow stage shows in CI logs.
elapsed() { echo "   (${SECONDS}s since start)" >&2; }
echo "== stage 1: release build and tests" >&2
"$root/scripts/build.sh" "$root/build" -DGUMSHOE_BUILD_TESTS=ON
(cd "$root/build" && ctest --output-on-failure -j"$jobs")
elapsed
[[ "${GUMSHOE_QUICK:-0}" == 1 ]] && exit 0

echo "== stage 2: ASan + UBSan build and tests" >&2
CC=clang CXX=clang++ cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" -DGUMSHOE_SANITIZE=ON \
  -DGUMSHOE_BUILD_TESTS=ON -DGUMSHOE_BUILD_BENCH=OFF >/dev/null
cmake --build "$root/build-asan" -j"$jobs"
(cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions="$root/tests/fuzz/ubsan_suppressions.txt" \
  ctest --output-on-failure -j"$jobs" -E embed_example)

elapsed
echo "== stage 3: fuzz targets, ${FUZZ_SECONDS:-30}s each" >&2
"$root/scripts/fuzz.sh" "${FUZZ_SECONDS:-30}"
elapsed
echo "all stages passed" >&2
