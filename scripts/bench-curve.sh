#!/usr/bin/env bash
# Ingest rate as the store grows (issue 8's scaling curve, same data shape).
#
#   scripts/bench-curve.sh [--size 1m|10m|20m] [--chunks K] [--no-build]
#
# Takes the CloudTrail files of the generated data set of that size (generated
# by scripts/bench.sh --size S, or here when missing), deals them into K
# interleaved chunks (file i goes to chunk i % K, so every chunk holds the
# same mix of accounts, regions and days) and ingests the chunks one after
# another into one store, timing each. The rate of the last chunk (store
# already holding (K-1)/K of the events) against the first (empty store) is
# the slowdown caused by the store's size alone; comparing whole runs of the
# 1m, 10m and 20m sets also changes the organisation's size (the generator
# grows the fleet with the event count), which changes the work per event.
# Prints one TSV line per chunk and writes it to <work>/<size>/results/curve-<size>.tsv.
# Environment: as scripts/bench.sh (GUMSHOE_BENCH_BUILD, GUMSHOE_BENCH_WORK,
# GUMSHOE_BENCH_SEED).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${GUMSHOE_BENCH_BUILD:-$ROOT/build-bench}"
WORK="${GUMSHOE_BENCH_WORK:-$BUILD/bench-work}"
SEED="${GUMSHOE_BENCH_SEED:-1}"
SIZE=20m
CHUNKS=20
BUILD_IT=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) SIZE="$2"; shift 2 ;;
    --chunks) CHUNKS="$2"; shift 2 ;;
    --no-build) BUILD_IT=0; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "bench-curve.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$SIZE" in
  1m) EVENTS=1000000 ;;
  10m) EVENTS=10000000 ;;
  20m) EVENTS=20000000 ;;
  *) echo "bench-curve.sh: --size must be 1m, 10m or 20m" >&2; exit 2 ;;
esac
[[ "$CHUNKS" =~ ^[0-9]+$ && "$CHUNKS" -ge 2 && "$CHUNKS" -le 1000 ]] || {
  echo "bench-curve.sh: --chunks must be 2..1000" >&2
  exit 2
}

if [[ $BUILD_IT == 1 ]]; then
  if [[ ! -f "$BUILD/build.ninja" ]]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGUMSHOE_BUILD_TESTS=OFF -DGUMSHOE_BUILD_BENCH=ON
  fi
  cmake --build "$BUILD" -j2 --target gumshoe gumshoe_bench_gen
fi
G="$BUILD/cli/gumshoe"
DATA="$WORK/$SIZE/data"
if [[ ! -f "$DATA/manifest.json" ]]; then
  mkdir -p "$DATA"
  "$BUILD/bench/gumshoe_bench_gen" --out "$DATA" --events "$EVENTS" --seed "$SEED" --jobs 2
fi

RUN="$WORK/$SIZE/curve"
rm -rf "$RUN"
mkdir -p "$RUN/chunks" "$WORK/$SIZE/results"
find "$DATA/AWSLogs" -path '*/CloudTrail/*' -name '*.json.gz' | sort > "$RUN/files.txt"
[[ -s "$RUN/files.txt" ]] || { echo "bench-curve.sh: no CloudTrail files under $DATA/AWSLogs" >&2; exit 1; }
awk -v k="$CHUNKS" -v dir="$RUN/chunks" '{ print > (dir "/" (NR-1)%k ".txt") }' "$RUN/files.txt"

OUT="$WORK/$SIZE/results/curve-$SIZE.tsv"
printf 'chunk\tevents\tstore_events\twall_s\tcpu_s\tev_per_s\tev_per_cpu_s\tpeak_rss_kib\tload1\n' > "$OUT"
total=0
for ((c = 0; c < CHUNKS; c++)); do
  mapfile -t files < "$RUN/chunks/$c.txt"
  /usr/bin/time -f "%e %U %S %M" -o "$RUN/time" "$G" -q ingest --db "$RUN/store" --source cloudtrail "${files[@]}" \
    > "$RUN/out" 2>&1
  read -r wall user sys rss < "$RUN/time"
  n="$(awk '/^records/ { sub(":", "", $2); print $2 }' "$RUN/out")"
  total=$((total + n))
  line="$(awk -v c="$c" -v n="$n" -v t="$total" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" \
    -v l="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { printf "%d\t%d\t%d\t%.1f\t%.1f\t%.0f\t%.0f\t%d\t%s", c, n, t, w, u + s, n / w, n / (u + s), r, l }')"
  echo "$line" | tee -a "$OUT"
done
awk -F'\t' 'NR == 2 { f = $7 } END { printf "last chunk / first chunk, events per CPU-second: %.2fx\n", $7 / f }' "$OUT"
rm -rf "$RUN/store"
