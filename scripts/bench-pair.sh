#!/usr/bin/env bash
# Paired A/B of two gumshoe binaries on the same input.
#
#   scripts/bench-pair.sh [--rounds N] BINARY_A BINARY_B INPUT... [-- INGEST_ARGS...]
#
# Starts `A ingest` and `B ingest` at the same time on the same inputs (each
# into its own fresh store under a temporary directory), N times, and prints
# each one's CPU seconds (user + sys), wall time, peak RSS and store size, and
# B's CPU over A's. On a shared machine the CPU time of one run varies by tens
# of percent between runs; two binaries running side by side see the same
# conditions, and a binary paired with itself agrees within a few percent.
set -euo pipefail
ROUNDS=3
if [[ "${1:-}" == --rounds ]]; then ROUNDS="$2"; shift 2; fi
if [[ $# -lt 3 ]]; then sed -n '2,11p' "$0" >&2; exit 2; fi
A="$1"; B="$2"; shift 2
inputs=(); extra=()
while [[ $# -gt 0 && "$1" != -- ]]; do inputs+=("$1"); shift; done
[[ "${1:-}" == -- ]] && { shift; extra=("$@"); }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for ((r = 1; r <= ROUNDS; r++)); do
  rm -rf "$tmp/a" "$tmp/b"
  /usr/bin/time -f "%x %e %U %S %M" -o "$tmp/a.time" "$A" -q ingest --db "$tmp/a" "${inputs[@]}" "${extra[@]}" > /dev/null 2>&1 &
  /usr/bin/time -f "%x %e %U %S %M" -o "$tmp/b.time" "$B" -q ingest --db "$tmp/b" "${inputs[@]}" "${extra[@]}" > /dev/null 2>&1 &
  wait
  # The last line of each: exit status, wall, user, sys, peak RSS (KiB).
  read -r xa wa ua sa ra < <(tail -n 1 "$tmp/a.time")
  read -r xb wb ub sb rb < <(tail -n 1 "$tmp/b.time")
  if [[ "$xa" != 0 || "$xb" != 0 ]]; then
    echo "round $r: ingest failed (exit status A $xa, B $xb)" >&2
    exit 1
  fi
  awk -v r="$r" -v wa="$wa" -v ua="$ua" -v sa="$sa" -v ra="$ra" -v da="$(du -sm "$tmp/a" | cut -f1)" \
      -v wb="$wb" -v ub="$ub" -v sb="$sb" -v rb="$rb" -v db="$(du -sm "$tmp/b" | cut -f1)" \
      'BEGIN { printf "round %d  A: cpu %.1f s wall %.1f s rss %d MiB store %d MB  B: cpu %.1f s wall %.1f s rss %d MiB store %d MB  B/A cpu %.3f\n",
               r, ua + sa, wa, ra / 1024, da, ub + sb, wb, rb / 1024, db, (ub + sb) / (ua + sa) }'
done
