#!/usr/bin/env bash
# Crash test of table writes (issue "Tables"): two writer processes write batches to a
# table in a loop (dc-test-table-writer loop; every fifth batch goes to two tables in one
# transaction); one of them, at random, is killed with SIGKILL after a random pause and a
# new one started. Every TCRASH_CHECK_EVERY kills (writers frozen with SIGSTOP, so the
# check sees what a simultaneous crash of both would leave) and at the end, the checker
# opens the catalog with no repair step and reads both tables: every batch whole and in
# order, the two-table batches in both tables or in neither, every acknowledged batch
# present. Data files of killed writes stay unreferenced (the collector's), never visible.
#
#   bash tests/catalog/table_crash.sh                     # CI: 40 kills
#   TCRASH_KILLS=2000 bash tests/catalog/table_crash.sh   # the soak
#   TCRASH_SEED=123 bash tests/catalog/table_crash.sh     # replay a schedule
set -uo pipefail
W=${DC_TEST_TABLE_WRITER:?set DC_TEST_TABLE_WRITER to the dc-test-table-writer executable}
KILLS=${TCRASH_KILLS:-40}
CHECK_EVERY=${TCRASH_CHECK_EVERY:-10}
MAX_SLEEP_MS=${TCRASH_MAX_SLEEP_MS:-150}
SEED=${TCRASH_SEED:-$(( ($(date +%s%N) / 1000) % 32768 ))}
RANDOM=$SEED
base=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/dc-tcrash.XXXXXX")
root=$work/catalog
declare -a pids
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
echo "table_crash: seed $SEED (replay with TCRASH_SEED=$SEED), $KILLS kills, catalog in $work"

n=0
start_writer() { # slot
  n=$((n + 1))
  "$W" loop "$root" "w$n" >>"$work/acks" 2>>"$work/errors" &
  pids[$1]=$!
}
check() {
  for p in "${pids[@]}"; do kill -STOP "$p" 2>/dev/null; done
  out=$("$W" check "$root" "$work/acks")
  rc=$?
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; done
  if [ $rc -ne 0 ]; then
    echo "table_crash: FAILED after $1 kills (seed $SEED):"; echo "$out"
    tail -n 5 "$work/errors"
    exit 1
  fi
}

start_writer 0
sleep 0.3 # the first one creates the table alone, then the second joins
start_writer 1
for ((k = 1; k <= KILLS; k++)); do
  sleep "$(awk -v ms=$((RANDOM % MAX_SLEEP_MS)) 'BEGIN{printf "%.3f", ms / 1000}')"
  slot=$((RANDOM % 2))
  kill -KILL "${pids[$slot]}" 2>/dev/null
  wait "${pids[$slot]}" 2>/dev/null
  start_writer "$slot"
  if ((k % CHECK_EVERY == 0)); then check "$k"; fi
done
for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
pids=()
if grep -v '^$' "$work/errors" 2>/dev/null | grep -q .; then
  echo "table_crash: a writer failed (not by the kills):"; tail -n 5 "$work/errors"; exit 1
fi
out=$("$W" check "$root" "$work/acks") || { echo "table_crash: FAILED at the end (seed $SEED):"; echo "$out"; exit 1; }
echo "table_crash: $out; $KILLS kills, $n writers started"
