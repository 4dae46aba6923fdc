#!/usr/bin/env bash
# Crash test of the commit protocol (docs/FORMAT.md 6 and 9; issue 4): three writer
# processes commit in a loop on one local catalog (dc-test-writer loop); one of them,
# chosen at random, is killed with SIGKILL after a random pause of 0-30 ms and restarted,
# again and again. Every CRASH_CHECK_EVERY kills (and at the end, once every writer is
# stopped) the checker opens the catalog with no repair step and verifies that every
# acknowledged commit is present exactly once, at the version its writer was told, that
# no transaction is partial, that versions are gap-free with increasing timestamps and
# that every checkpoint and the latest snapshot equal the replay of the log.
#
# What is tested is a process kill at any instant, not a power loss: fsync stays on (the
# protocol's steps are exercised as in production) but the catalog lives on tmpfs
# (/dev/shm) when there is one, for speed; a process kill loses nothing the kernel has.
#
#   bash tests/storage/crash_kill.sh                      # CI: 200 kills, about a minute
#   CRASH_KILLS=10000 bash tests/storage/crash_kill.sh    # the soak
#   CRASH_SEED=12345 bash tests/storage/crash_kill.sh     # replay a run's schedule
# Other knobs: CRASH_WRITERS (3), CRASH_CHECK_EVERY (50), CRASH_MAX_SLEEP_MS (30),
# CRASH_EPOCH (1000: after that many kills, stop everyone, run the final check and start
# over on a fresh catalog, so the soak's log, memory and check times stay bounded),
# CRASH_KEEP=1 keeps the catalog for inspection. DC_TEST_WRITER: path of dc-test-writer.
#
# The periodic checks run with every writer frozen (SIGSTOP) at whatever step it is in:
# the checker then sees what a simultaneous crash of all writers at that instant would
# leave (transactions in flight in every writer), and it gets the CPU to itself.
#
# CRASH_S3=1 (tests/storage/crash_kill_s3.sh) runs the same on S3: a moto server started
# here (tests/oracles/moto.sh), the catalog at s3://dc-crash/catalogN, the writers'
# acknowledgements on the local disk (DC_WRITER_SIDE). Each writer also writes the data
# file of each transaction before committing it, up to CRASH_DATA_MAX bytes (400000; in
# 64 KiB parts, so most are multipart uploads and kills land in the middle of them), and
# the checker verifies the file of every committed transaction is whole. At the end, a
# collection with no grace period (dc-test-writer gc) must abort every multipart upload
# the kills left and delete every data file no commit names, and the catalog must check
# again. CRASH_MIN_UPLOADS (1) is how many aborted uploads prove a kill hit one.
set -uo pipefail
W=${DC_TEST_WRITER:?set DC_TEST_WRITER to the dc-test-writer executable}
[ -x "$W" ] || { echo "crash_kill: $W is not built (ninja dc-test-writer)"; exit 1; }
KILLS=${CRASH_KILLS:-200}
WRITERS=${CRASH_WRITERS:-3}
CHECK_EVERY=${CRASH_CHECK_EVERY:-50}
MAX_SLEEP_MS=${CRASH_MAX_SLEEP_MS:-30}
EPOCH=${CRASH_EPOCH:-1000}
SEED=${CRASH_SEED:-$(( ($(date +%s%N) / 1000) % 32768 ))}
RANDOM=$SEED

base=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/dc-crash.XXXXXX")
epoch=1
S3=${CRASH_S3:-0}
# the catalog of an epoch, and (on S3) where its writers' acknowledgements go
set_root() {
  if [ "$S3" = 1 ]; then
    root=s3://dc-crash/catalog$epoch
    export DC_WRITER_SIDE=$work/side$epoch
  else
    root=$work/catalog$epoch
  fi
}
set_root
side() { echo "${DC_WRITER_SIDE:-$root}"; }
declare -a pids
cleanup() { # waits for the writers only (moto, a child too, is stopped after this)
  for p in "${pids[@]:-}"; do [ -n "$p" ] && { kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; }; done
  if [ "${CRASH_KEEP:-0}" = 1 ]; then echo "catalog kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
if [ "$S3" = 1 ]; then
  . "${DC_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/oracles/moto.sh"
  moto_start || { echo "crash_kill: FAILED: $MOTO_WHY"; exit 1; }
  moto_bucket dc-crash || { echo "crash_kill: FAILED: cannot create the bucket"; exit 1; }
  export DC_WRITER_DATA_MAX=${CRASH_DATA_MAX:-400000}
fi

echo "crash_kill: seed $SEED (replay with CRASH_SEED=$SEED), $KILLS kills of $WRITERS writers," \
     "pauses 0-${MAX_SLEEP_MS} ms, catalog in $work"
start=$(date +%s)

fail() {
  echo "crash_kill: FAILED after $kills kills (seed $SEED): $*"
  for i in $(seq 0 $((WRITERS - 1))); do
    echo "--- writer $i log (tail)"; tail -n 5 "$work/writer$i.log" 2>/dev/null
  done
  CRASH_KEEP=1
  exit 1
}

launch() { # id
  "$W" loop "$root" "$1" 0 >>"$work/writer$1.log" 2>&1 &
  pids[$1]=$!
}

stop_all() { # kill every writer (none may have exited by itself)
  for i in $(seq 0 $((WRITERS - 1))); do
    pid=${pids[$i]}
    kill -0 "$pid" 2>/dev/null || { wait "$pid"; fail "writer $i exited by itself with status $?"; }
    kill -KILL "$pid"; wait "$pid" 2>/dev/null
  done
  pids=()
}

kills=0
for i in $(seq 0 $((WRITERS - 1))); do launch "$i"; done

while [ "$kills" -lt "$KILLS" ]; do
  id=$((RANDOM % WRITERS))
  ms=$((RANDOM % (MAX_SLEEP_MS + 1)))
  sleep "$(printf '0.%03d' "$ms")"
  pid=${pids[$id]}
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid"; rc=$?
    fail "writer $id (pid $pid) exited by itself with status $rc"
  fi
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
  kills=$((kills + 1))
  launch "$id"
  if [ $((kills % EPOCH)) -eq 0 ] && [ "$kills" -lt "$KILLS" ]; then
    stop_all
    out=$("$W" check --final "$root") || fail "final check of epoch $epoch: $out"
    echo "epoch $epoch final (after $kills kills): $out"
    [ "$S3" = 1 ] || rm -rf "$root"
    rm -rf "$(side).acks"
    epoch=$((epoch + 1)); set_root
    for i in $(seq 0 $((WRITERS - 1))); do launch "$i"; done
  elif [ $((kills % CHECK_EVERY)) -eq 0 ]; then
    for p in "${pids[@]}"; do kill -STOP "$p"; done
    out=$("$W" check "$root"); rc=$?
    for p in "${pids[@]}"; do kill -CONT "$p"; done
    [ "$rc" = 0 ] || fail "check after $kills kills: $out"
    echo "after $kills kills: $out"
  fi
done

# Stop everyone the same way, then the final check (nothing in flight any more).
stop_all
out=$("$W" check --final "$root") || fail "final check: $out"
echo "final: $out"
if [ "$S3" = 1 ]; then
  # what the kills left (multipart uploads, unnamed data files) goes; nothing else does
  out=$("$W" gc "$root") || fail "collection after the kills: $out"
  echo "$out"
  uploads=$(echo "$out" | sed -nE 's/.* ([0-9]+) temporaries.*/\1/p')
  [ "${uploads:-0}" -ge "${CRASH_MIN_UPLOADS:-1}" ] ||
    fail "the kills left ${uploads:-0} multipart uploads; at least ${CRASH_MIN_UPLOADS:-1} expected (raise CRASH_KILLS)"
  out=$("$W" check --final "$root") || fail "check after the collection: $out"
  echo "after the collection: $out"
fi
echo "crash_kill: ok: $kills kills in $(( $(date +%s) - start )) s (seed $SEED)"
