#!/usr/bin/env bash
# Installs the Debian 12 packages gumshoe builds and tests with, when missing.
set -euo pipefail
packages=(build-essential cmake ninja-build pkg-config
  libboost-graph-dev rapidjson-dev librocksdb-dev libspdlog-dev catch2 libcli11-dev
  zlib1g-dev libdeflate-dev libsqlite3-dev libjemalloc-dev graphviz python3-jsonschema)
# The fuzz and sanitizer runs in scripts/test.sh use clang and its runtimes.
if [[ "${GUMSHOE_WITH_CLANG:-0}" == 1 ]]; then packages+=(clang libclang-rt-14-dev); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
