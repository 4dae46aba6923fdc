#!/usr/bin/env bash
# Parquet benchmarks: deltacat vs DuckDB vs pyarrow on the same generated data, in the
# same run (issue "Parquet"): write with snappy and with zstd (from data already in
# memory), full read into memory, read of 2 columns, and a read whose predicate the
# row-group statistics prune (id in a 1% range). Reads use one file for all engines
# (written by DuckDB with snappy, row groups of 122,880 rows).
#
#   BENCH_ROWS="1000000 10000000" bench/parquet.sh
#
# Needs: build/release (dc-bench-parquet, dc-bench-gen), tests/oracles (DuckDB, npm) and
# build/venv (pyarrow), both installed by scripts/bootstrap.sh. Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${DC_BENCH_BIN:-build/release/bench}
DIR=${BENCH_DIR:-build/bench-data}
ROWS=${BENCH_ROWS:-1000000 10000000}
RUNS=${BENCH_RUNS:-3}
PY=${BENCH_PY:-build/venv/bin/python}
mkdir -p "$DIR"

best() { sort -n | head -1; }
ms_of() { grep -Eo '^ms [0-9.]+' | awk '{print $2}'; }

echo "| rows | benchmark | deltacat ms | DuckDB ms | pyarrow ms | ours/DuckDB | ours/pyarrow |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for n in $ROWS; do
  csv=$DIR/mixed-$n.csv
  [ -s "$csv" ] || "$BIN/dc-bench-gen" --rows "$n" --seed 42 --format csv -o "$csv"
  ref=$DIR/mixed-$n-duckdb.parquet
  node bench/duckdb_run.mjs "COPY (SELECT * FROM read_csv('$csv')) TO '$ref' (FORMAT parquet, COMPRESSION snappy)" >/dev/null
  lo=$((n / 2)); hi=$((n / 2 + n / 100))
  row() { # name ours duck py
    local r1 r2
    r1=$(awk -v a="$2" -v b="$3" 'BEGIN{printf "%.2f", a/b}')
    r2=$(awk -v a="$2" -v b="$4" 'BEGIN{printf "%.2f", a/b}')
    echo "| $n | $1 | $2 | $3 | $4 | $r1 | $r2 |"
  }
  for codec in snappy zstd; do
    o=(); d=(); p=()
    for ((i = 0; i < RUNS; i++)); do
      o+=("$("$BIN/dc-bench-parquet" write "$csv" "$DIR/ours.parquet" "$codec" | ms_of)")
      d+=("$(node bench/duckdb_run.mjs --setup "CREATE TABLE t AS SELECT * FROM read_csv('$csv')" \
             "COPY t TO '$DIR/duck.parquet' (FORMAT parquet, COMPRESSION $codec)" | ms_of)")
      p+=("$("$PY" bench/parquet_pyarrow.py write "$csv" "$DIR/py.parquet" "$codec" | ms_of)")
    done
    row "write $codec" "$(printf '%s\n' "${o[@]}" | best)" "$(printf '%s\n' "${d[@]}" | best)" \
        "$(printf '%s\n' "${p[@]}" | best)"
  done
  for mode in all two pruned; do
    case $mode in
      all) sql="CREATE TABLE r AS SELECT * FROM read_parquet('$ref')";;
      two) sql="CREATE TABLE r AS SELECT id, value FROM read_parquet('$ref')";;
      pruned) sql="CREATE TABLE r AS SELECT * FROM read_parquet('$ref') WHERE id BETWEEN $lo AND $hi";;
    esac
    o=(); d=(); p=()
    for ((i = 0; i < RUNS; i++)); do
      o+=("$("$BIN/dc-bench-parquet" read "$ref" "$mode" "$lo" "$hi" | ms_of)")
      d+=("$(node bench/duckdb_run.mjs "$sql" | ms_of)")
      p+=("$("$PY" bench/parquet_pyarrow.py read "$ref" "$mode" "$lo" "$hi" | ms_of)")
    done
    row "read $mode" "$(printf '%s\n' "${o[@]}" | best)" "$(printf '%s\n' "${d[@]}" | best)" \
        "$(printf '%s\n' "${p[@]}" | best)"
  done
done
