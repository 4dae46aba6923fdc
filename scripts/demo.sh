#!/usr/bin/env bash
# The first command of the README: install what is missing, build deltacat,
# and run the demo of the day on a local folder.
set -euo pipefail
cd "$(dirname "$0")/.."
DC_SKIP_ORACLES=1 scripts/bootstrap.sh
cmake -S . -B build/release -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_BUILD_TYPE=Release \
  -DDC_TESTS=OFF >/dev/null
ninja -C build/release deltacat dc-bench-gen >/dev/null
exec build/release/deltacat demo
