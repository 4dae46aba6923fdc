#!/usr/bin/env bash
# Converting 10M rows of CSV to JSON Lines keeps peak memory independent of the
# input size: the peak RSS for 10M rows is within a small margin of the peak
# for 200K rows (both streamed through a pipe, so nothing is cached on disk).
set -euo pipefail
peak() { # rows -> peak RSS in KiB of `deltacat convert` reading the generator's pipe
  local out
  out=$( { "$DC_BENCH_GEN" --rows "$1" --seed 11 --format csv |
           /usr/bin/time -f 'MAXRSS %M' "$DC_BIN" convert --from csv --to jsonl - - >/dev/null; } 2>&1 )
  grep -Eo 'MAXRSS [0-9]+' <<<"$out" | grep -Eo '[0-9]+'
}
small=$(peak 200000)
large=$(peak 10000000)
echo "peak RSS: 200K rows ${small} KiB, 10M rows ${large} KiB"
# 50x the rows may not cost more than 1.5x the memory (plus 16 MiB of slack for allocator noise).
if [ "$large" -gt $((small * 3 / 2 + 16384)) ]; then
  echo "peak memory grows with the input size"; exit 1
fi
[ "$large" -lt $((512 * 1024)) ] || { echo "peak memory above 512 MiB"; exit 1; }
