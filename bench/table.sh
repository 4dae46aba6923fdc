#!/usr/bin/env bash
# Table benchmarks: deltacat vs DuckDB on the same generated data, in the same run
# (issue "Tables"): write N rows to a new table (files and commit) vs DuckDB COPY to
# Parquet (the data in memory before the clock for both); a full read into memory and a
# selective filtered read (ids in a 0.1% range) vs DuckDB read_parquet over the same
# files (our table's files).
#
#   BENCH_ROWS="1000000 10000000" bench/table.sh
#
# Needs: build/release (dc-bench-table, dc-bench-gen) and tests/oracles (DuckDB, npm),
# both installed by scripts/bootstrap.sh. Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${DC_BENCH_BIN:-build/release/bench}
DIR=${BENCH_DIR:-build/bench-data}
ROWS=${BENCH_ROWS:-1000000 10000000}
RUNS=${BENCH_RUNS:-3}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

best() { sort -n | head -1; }
ms_of() { grep -Eo '^ms [0-9.]+' | awk '{print $2}'; }

echo "| rows | benchmark | deltacat ms | DuckDB ms | ours/DuckDB |"
echo "|---:|---|---:|---:|---:|"
for n in $ROWS; do
  csv=$DIR/mixed-$n.csv
  [ -s "$csv" ] || "$BIN/dc-bench-gen" --rows "$n" --seed 42 --format csv -o "$csv"
  lo=$((n / 2)); hi=$((n / 2 + n / 1000))
  o=(); d=()
  for ((i = 0; i < RUNS; i++)); do
    rm -rf "$DIR/cat-$n"
    o+=("$("$BIN/dc-bench-table" write "$csv" "$DIR/cat-$n" | ms_of)")
    d+=("$(node bench/duckdb_run.mjs --setup "CREATE TABLE t AS SELECT * FROM read_csv('$csv')" \
           "COPY t TO '$DIR/duck-$n.parquet' (FORMAT parquet, COMPRESSION snappy)" | ms_of)")
  done
  ob=$(printf '%s\n' "${o[@]}" | best); db=$(printf '%s\n' "${d[@]}" | best)
  echo "| $n | write (new table, commit included) | $ob | $db | $(awk -v a="$ob" -v b="$db" 'BEGIN{printf "%.2f", a/b}') |"
  files=$("$BIN/dc-bench-table" files "$DIR/cat-$n" | sed "s/.*/'&'/" | paste -sd, -)
  for mode in all filter; do
    case $mode in
      all) sql="CREATE TABLE r AS SELECT * FROM read_parquet([$files])";;
      filter) sql="CREATE TABLE r AS SELECT * FROM read_parquet([$files]) WHERE id BETWEEN $lo AND $hi";;
    esac
    o=(); d=()
    for ((i = 0; i < RUNS; i++)); do
      o+=("$("$BIN/dc-bench-table" read "$DIR/cat-$n" "$mode" "$lo" "$hi" | ms_of)")
      d+=("$(node bench/duckdb_run.mjs "$sql" | ms_of)")
    done
    ob=$(printf '%s\n' "${o[@]}" | best); db=$(printf '%s\n' "${d[@]}" | best)
    echo "| $n | read $mode | $ob | $db | $(awk -v a="$ob" -v b="$db" 'BEGIN{printf "%.2f", a/b}') |"
  done
done
