#!/usr/bin/env bash
# Merge-key benchmarks (issue "Merge keys"), deltacat vs DuckDB in the same run:
# MERGE M = N/10 rows (half updates of existing ids, half new ids) into an N-row table
# with merge key "id". Ours: the MERGE commit (files + commit; the rows in memory before
# the clock), a full read of the un-compacted table (merged on read), the compaction,
# and the same read after it. DuckDB: producing the same merged result as Parquet (anti
# join + union, COPY), twice: from in-memory tables loaded before the clock (the peer of
# the MERGE commit, whose rows are in memory too), and from the table's own Parquet files
# (the base files and the MERGE's delta file: the peer of compaction, which reads them).
#
#   BENCH_ROWS=10000000 bench/merge.sh
#
# Needs build/release (dc-bench-table, dc-bench-gen) and tests/oracles (DuckDB).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${DC_BENCH_BIN:-build/release/bench}
DIR=${BENCH_DIR:-build/bench-data}
ROWS=${BENCH_ROWS:-10000000}
RUNS=${BENCH_RUNS:-3}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

best() { sort -n | head -1; }
ms_of() { grep -Eo '^ms [0-9.]+' | awk '{print $2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }

echo "| rows | benchmark | deltacat ms | peer | peer ms | ratio |"
echo "|---:|---|---:|---|---:|---:|"
for n in $ROWS; do
  csv=$DIR/mixed-$n.csv
  [ -s "$csv" ] || "$BIN/dc-bench-gen" --rows "$n" --seed 42 --format csv -o "$csv"
  m=$((n / 10)); step=$((n / (m / 2)))
  upd=$DIR/merge-$n.csv
  [ -s "$upd" ] || node bench/duckdb_run.mjs --setup "CREATE TABLE b AS SELECT * FROM read_csv('$csv')" \
    "COPY (SELECT * REPLACE (score + 1 AS score) FROM b WHERE id % $step = 0
           UNION ALL SELECT * REPLACE (id + $n AS id) FROM b WHERE id <= $((m / 2)))
     TO '$upd' (HEADER)" >/dev/null
  mo=(); ru=(); co=(); rc=(); dd=(); df=()
  for ((i = 0; i < RUNS; i++)); do
    cat=$DIR/keyed-$n
    rm -rf "$cat"
    "$BIN/dc-bench-table" keyed "$csv" "$cat" >/dev/null
    files=$("$BIN/dc-bench-table" files "$cat" | sed "s/.*/'&'/" | paste -sd, -)
    mo+=("$("$BIN/dc-bench-table" merge "$upd" "$cat" | ms_of)")
    delta=$("$BIN/dc-bench-table" files "$cat" | sed "s/.*/'&'/" | grep -vxF -f <(tr , '\n' <<<"$files") | paste -sd, -)
    ru+=("$("$BIN/dc-bench-table" read "$cat" all 0 0 | ms_of)")
    co+=("$("$BIN/dc-bench-table" compact "$cat" | ms_of)")
    rc+=("$("$BIN/dc-bench-table" read "$cat" all 0 0 | ms_of)")
    dd+=("$(node bench/duckdb_run.mjs --setup "CREATE TABLE b AS SELECT * FROM read_parquet([$files])" \
      --setup "CREATE TABLE u AS SELECT * FROM read_csv('$upd')" \
      "COPY (SELECT * FROM b ANTI JOIN u USING (id) UNION ALL SELECT * FROM u)
       TO '$DIR/duck-merged-$n.parquet' (FORMAT parquet, COMPRESSION snappy)" | ms_of)")
    df+=("$(node bench/duckdb_run.mjs \
      "COPY (SELECT b.* FROM read_parquet([$files]) b ANTI JOIN read_parquet([$delta]) u USING (id)
             UNION ALL SELECT * FROM read_parquet([$delta]))
       TO '$DIR/duck-merged-files-$n.parquet' (FORMAT parquet, COMPRESSION snappy)" | ms_of)")
  done
  mb=$(printf '%s\n' "${mo[@]}" | best); db=$(printf '%s\n' "${dd[@]}" | best)
  rub=$(printf '%s\n' "${ru[@]}" | best); rcb=$(printf '%s\n' "${rc[@]}" | best)
  cb=$(printf '%s\n' "${co[@]}" | best); dfb=$(printf '%s\n' "${df[@]}" | best)
  echo "| $n | MERGE $m rows (commit) | $mb | DuckDB merged rewrite | $db | $(ratio "$mb" "$db") |"
  echo "| $n | read, un-compacted (merged on read) | $rub | our compacted read | $rcb | $(ratio "$rub" "$rcb") |"
  echo "| $n | compaction | $cb | DuckDB merged rewrite, from memory | $db | $(ratio "$cb" "$db") |"
  echo "| $n | compaction | $cb | DuckDB merged rewrite, from the table's Parquet files | $dfb | $(ratio "$cb" "$dfb") |"
  # Later merges into the compacted table (filed by merge-key bucket): a MERGE of K rows
  # (updates of existing ids), then its compaction, which rewrites only the buckets the
  # K keys fall in; against the first compaction above (the whole table).
  for k in ${BENCH_SMALL:-1 16 1000}; do
    small=$DIR/small-$n-$k.csv
    [ -s "$small" ] || node bench/duckdb_run.mjs --setup "CREATE TABLE b AS SELECT * FROM read_csv('$csv')" \
      "COPY (SELECT * REPLACE (score + 2 AS score) FROM b WHERE id % $((n / k)) = 7 LIMIT $k)
       TO '$small' (HEADER)" >/dev/null
    "$BIN/dc-bench-table" merge "$small" "$cat" >/dev/null
    out=$("$BIN/dc-bench-table" compact "$cat")
    sm=$(ms_of <<<"$out")
    fin=$(awk '/^files_in /{print $2}' <<<"$out"); kept=$(awk '/^files_kept /{print $2}' <<<"$out")
    nb=$(awk '/^key_buckets /{print $2}' <<<"$out")
    echo "| $n | compaction after a MERGE of $k rows ($((fin - 1)) of $nb buckets' files rewritten, $kept kept) | $sm | our first compaction (whole table) | $cb | $(ratio "$sm" "$cb") |"
  done
done
