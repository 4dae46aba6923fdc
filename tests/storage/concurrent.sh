#!/usr/bin/env bash
# Concurrency test of the commit protocol (docs/FORMAT.md 6.2; issue 4): 8 processes x 200
# transactions on one local catalog (dc-test-writer concurrent), a mix of ADDs to a shared
# table, APPENDs and UPSERTs to one shared partition (these must conflict sometimes), writes
# to each process's own table, multi-table transactions, exclusive REPLACEs and compactions.
# Each process records every outcome (committed at V, or the conflict's message). The
# checker then verifies that the final state equals the serial application of the log
# (replay from empty = latest snapshot = every checkpoint), that every transaction a process
# saw commit is in the log at the version it was told, that every refused one is absent and
# names a winner that is in the log after its read version and conflicts with it by the
# rules (dc_conflict_check), and that no committed transaction conflicts with anything
# committed between its read version and its own.
#
#   bash tests/storage/concurrent.sh
# Knobs: CONC_PROCS (8), CONC_TXNS (200), CONC_KEEP=1 keeps the catalog.
# CONC_S3=1 (tests/storage/concurrent_s3.sh) runs the same on S3: a moto server started
# here (tests/oracles/moto.sh), the catalog at s3://dc-conc/catalog, the outcomes on the
# local disk (DC_WRITER_SIDE); the checks are the same.
set -uo pipefail
W=${DC_TEST_WRITER:?set DC_TEST_WRITER to the dc-test-writer executable}
[ -x "$W" ] || { echo "concurrent: $W is not built (ninja dc-test-writer)"; exit 1; }
PROCS=${CONC_PROCS:-8}
TXNS=${CONC_TXNS:-200}

base=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/dc-conc.XXXXXX")
root=$work/catalog
cleanup() { if [ "${CONC_KEEP:-0}" = 1 ]; then echo "catalog kept in $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
if [ "${CONC_S3:-0}" = 1 ]; then
  . "${DC_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/oracles/moto.sh"
  moto_start || { echo "concurrent: FAILED: $MOTO_WHY"; exit 1; }
  moto_bucket dc-conc || { echo "concurrent: FAILED: cannot create the bucket"; exit 1; }
  root=s3://dc-conc/catalog
  export DC_WRITER_SIDE=$work/side
fi

start=$(date +%s)
declare -a pids
for i in $(seq 0 $((PROCS - 1))); do
  "$W" concurrent "$root" "$i" "$TXNS" >"$work/proc$i.log" 2>&1 &
  pids[$i]=$!
done
failed=0
for i in $(seq 0 $((PROCS - 1))); do
  if ! wait "${pids[$i]}"; then
    echo "concurrent: process $i failed:"; cat "$work/proc$i.log"; failed=1
  else
    cat "$work/proc$i.log"
  fi
done
[ "$failed" = 0 ] || { CONC_KEEP=1; exit 1; }
run=$(( $(date +%s) - start ))

out=$("$W" check --final "$root"); rc=$?
echo "$out"
[ "$rc" = 0 ] || { CONC_KEEP=1; echo "concurrent: FAILED"; exit 1; }
conflicts=$(echo "$out" | sed -nE 's/.*mix: [0-9]+ committed, ([0-9]+) conflicts.*/\1/p')
if [ "${conflicts:-0}" -eq 0 ]; then
  echo "concurrent: FAILED: no conflict at all; the shared partition is meant to produce some"
  CONC_KEEP=1; exit 1
fi
echo "concurrent: ok: $PROCS x $TXNS transactions in $run s, $conflicts conflicts, all verified"
