#!/usr/bin/env bash
# Install what deltacat needs to build and test, on Debian: the product's C
# dependencies from apt, the test oracles (DuckDB) from npm, pinned in
# tests/oracles/package-lock.json. Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential pkg-config clang-14 libclang-rt-14-dev cmake ninja-build valgrind
  curl libzstd-dev libsnappy-dev zlib1g-dev liblz4-dev libbrotli-dev libcurl4-openssl-dev
  libssl-dev libmicrohttpd-dev libjansson-dev libxxhash-dev libcmocka-dev spin clang-format
  time libexpat1-dev)

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}" >&2
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# Python oracles (pyarrow, the reference Arrow/Parquet implementation) in a virtual
# environment under build/, pinned in tests/oracles/requirements.txt.
if [ "${DC_SKIP_ORACLES:-0}" != 1 ]; then
  stamp=build/venv/.requirements
  if [ ! -x build/venv/bin/python ] || ! cmp -s tests/oracles/requirements.txt "$stamp"; then
    echo "bootstrap: installing Python test oracles into build/venv" >&2
    mkdir -p build
    python3 -m venv build/venv
    build/venv/bin/pip install --quiet --disable-pip-version-check -r tests/oracles/requirements.txt
    cp tests/oracles/requirements.txt "$stamp"
  fi
fi

if [ "${DC_SKIP_ORACLES:-0}" != 1 ] && [ ! -f tests/oracles/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so ]; then
  # `npm install` against the committed lockfile (exact versions, integrity-checked):
  # `npm ci` refuses this lockfile because the registry reachable here lists no entries
  # for the other platforms' optional DuckDB bindings.
  echo "bootstrap: installing test oracles (npm, tests/oracles/package-lock.json)" >&2
  (cd tests/oracles && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
