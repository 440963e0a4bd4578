#!/usr/bin/env bash
# The benchmark suite in one command (issue 8; see bench/README.md).
#
#   scripts/bench.sh [--size tiny|1m|10m|20m] [--queries N] [--no-build]
#
# Builds gumshoe_bench and gumshoe_bench_gen in Release, generates the data set
# of that size (reused when already generated with the same size and seed),
# runs every benchmark against its baseline, prints the table and rewrites
# bench/RESULTS.md from every size measured so far in the work directory.
# Environment: GUMSHOE_BENCH_BUILD (build dir, default <repo>/build-bench),
# GUMSHOE_BENCH_WORK (data, stores, results; default <build>/bench-work),
# GUMSHOE_BENCH_SEED (default 1).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${GUMSHOE_BENCH_BUILD:-$ROOT/build-bench}"
WORK="${GUMSHOE_BENCH_WORK:-$BUILD/bench-work}"
SEED="${GUMSHOE_BENCH_SEED:-1}"
SIZE=1m
QUERIES=1000
BUILD_IT=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) SIZE="$2"; shift 2 ;;
    --queries) QUERIES="$2"; shift 2 ;;
    --no-build) BUILD_IT=0; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
EXTRA=()
case "$SIZE" in
  tiny) EVENTS=20000 ;;
  1m) EVENTS=1000000 ;;
  10m) EVENTS=10000000; EXTRA+=(--skip-plain) ;;
  20m) EVENTS=20000000; EXTRA+=(--skip-plain) ;;
  *) echo "bench.sh: --size must be tiny, 1m, 10m or 20m" >&2; exit 2 ;;
esac

if [[ $BUILD_IT == 1 ]]; then
  if [[ ! -f "$BUILD/build.ninja" ]]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGUMSHOE_BUILD_TESTS=OFF -DGUMSHOE_BUILD_BENCH=ON
  fi
  cmake --build "$BUILD" -j2 --target gumshoe_bench gumshoe_bench_gen
fi

mkdir -p "$WORK/$SIZE"
"$BUILD/bench/gumshoe_bench" --work "$WORK/$SIZE" --events "$EVENTS" --seed "$SEED" \
  --generator "$BUILD/bench/gumshoe_bench_gen" --label "$SIZE" --queries "$QUERIES" "${EXTRA[@]}"

# bench/RESULTS.md: every size measured so far, then the scaling curve.
OUT="$ROOT/bench/RESULTS.md"
# Hand-written analysis (a "## Notes" section and below) survives regeneration.
NOTES=""
[[ -f "$OUT" ]] && NOTES="$(sed -n '/^## Notes/,$p' "$OUT")"
{
  echo "# gumshoe benchmark results"
  echo
  echo "Written by \`scripts/bench.sh\` (see bench/README.md for what each figure and baseline measures)."
  echo "Only numbers from real runs of the harness are here. The machine is shared with other"
  echo "engineers compiling at the same time, so absolute rates vary from run to run; the ratios"
  echo "(figure / baseline measured in the same run) are the figures to compare."
  echo
  for s in tiny 1m 10m 20m; do
    f="$WORK/$s/results/results-$s.md"
    [[ -f "$f" ]] && { cat "$f"; echo; }
  done
  echo "## Scaling (CloudTrail .gz ingest rate by size)"
  echo
  echo "| size | events | ingest .gz ev/s | ingest plain ev/s | peak RSS MiB | vs 1m | run |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  base=""
  [[ -f "$WORK/1m/results/scaling-1m.tsv" ]] && base="$(cut -f3 "$WORK/1m/results/scaling-1m.tsv")"
  for s in 1m 10m 20m; do
    f="$WORK/$s/results/scaling-$s.tsv"
    [[ -f "$f" ]] || { echo "| $s | not run | | | | | |"; continue; }
    IFS=$'\t' read -r label events gz plain rss date < "$f"
    rel="n/a"
    [[ -n "$base" && "$base" != "n/a" && "$gz" != "n/a" ]] && rel="$(awk -v a="$gz" -v b="$base" 'BEGIN{printf "%.2fx", a/b}')"
    echo "| $label | $events | $gz | $plain | $rss | $rel | $date |"
  done
  echo
  echo "Goal: the 20M-event rate is at least 70% of the 1M rate. 10m and 20m are opt-in"
  echo "(\`scripts/bench.sh --size 10m\`), skip the plain-JSON copy, and need about 30 / 60 GB of disk."
  if [[ -n "$NOTES" ]]; then echo; echo "$NOTES"; fi
} > "$OUT"
echo "wrote $OUT"
