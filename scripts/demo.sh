#!/usr/bin/env bash
# Installs what is missing, builds, and investigates the bundled example
# incident (examples/incident): a leaked access key used to create a user,
# assume an admin role and launch coin miners in three regions.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$root/build" >&2
gumshoe="$root/build/cli/gumshoe"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$gumshoe" ingest --db "$work/gumshoe.db" "$root/examples/incident" >&2
echo "== findings, grouped" >&2
"$gumshoe" findings --db "$work/gumshoe.db" --groups
echo >&2
echo "== investigation of the coin-mining finding" >&2
"$gumshoe" investigate --db "$work/gumshoe.db" finding:8ec7a5b2f1d34e6a9c0b1d2e3f4a5b6c
