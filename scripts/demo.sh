#!/usr/bin/env bash
# Installs what is missing, builds, and investigates the bundled example
# incident (examples/incident): a leaked access key used to create a user,
# assume an admin role and launch coin miners in three regions.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$root/build" >&2
gumshoe="$root/build/cli/gumshoe"
db=$(mktemp -d)/gumshoe.db
trap 'rm -rf "$(dirname "$db")"' EXIT
"$gumshoe" ingest --db "$db" "$root/examples/incident" >&2
finding=$("$gumshoe" entities --db "$db" --kind finding --json | sed -n 's/.*"key":"\([^"]*\)".*/\1/p' | head -n1)
if "$gumshoe" investigate --help >/dev/null 2>&1; then
  "$gumshoe" investigate --db "$db" "finding:$finding"
else
  "$gumshoe" pivot --db "$db" "finding:$finding"
fi
