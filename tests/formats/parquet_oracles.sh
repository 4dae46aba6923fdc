#!/usr/bin/env bash
# parquet_oracles.sh: Parquet files written by pyarrow (every type, page v2, dictionary and
# plain, the DELTA_* and BYTE_STREAM_SPLIT encodings, INT96, every codec, nested lists, maps
# and structs with nulls at every level, legacy 2-level lists, empty files, many row groups
# and pages, page CRCs) and by DuckDB (its codecs and nested types) are read by
# `deltacat convert` and compared value by value with pyarrow's reading of the same files
# (parquet_oracles.py). Needs build/venv (scripts/bootstrap.sh) and tests/oracles (npm).
# Env: DC_BIN (the deltacat binary), DC_SOURCE_DIR.
set -euo pipefail
src=${DC_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${DC_BIN:?set DC_BIN to the deltacat binary}
py=$src/build/venv/bin/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$py" "$src/tests/formats/parquet_oracles.py" "$bin" "$src" "$work"
