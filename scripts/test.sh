#!/usr/bin/env bash
# The second command of the README (and what CI runs): install what is
# missing, build with AddressSanitizer + UndefinedBehaviorSanitizer and run
# every unit, interop and command test; build a release and run the tests
# that need one (valgrind, bounded memory on 10M rows); build the libFuzzer
# targets and run each briefly on its corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

pass=0; fail=0
count() { # parse ctest's "N% tests passed, F tests failed out of T"
  local log=$1 line
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of' "$log" | tail -1 || true)
  if [ -n "$line" ]; then
    local f t
    f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    t=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
    pass=$((pass + t - f)); fail=$((fail + f))
  else
    fail=$((fail + 1))
  fi
}

echo "== sanitizer build (ASan + UBSan) =="
cmake -S . -B build/asan -G Ninja -DCMAKE_C_COMPILER=clang-14 -DDC_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build/asan -j"$JOBS"
ctest --test-dir build/asan -j"$JOBS" --output-on-failure 2>&1 | tee build/asan/ctest.log || true
count build/asan/ctest.log

echo "== release build: valgrind and bounded-memory tests =="
cmake -S . -B build/release -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_BUILD_TYPE=Release \
  -DDC_TESTS=ON -DDC_BENCH=ON >/dev/null # demo.sh may have configured it without tests
ninja -C build/release -j"$JOBS"
ctest --test-dir build/release -L release --output-on-failure 2>&1 | tee build/release/ctest.log || true
count build/release/ctest.log

echo "== fuzz smoke (${FUZZ_SECONDS}s per target) =="
cmake -S . -B build/fuzz -G Ninja -DCMAKE_C_COMPILER=clang-14 -DDC_FUZZ=ON -DDC_TESTS=OFF \
  -DDC_BENCH=OFF >/dev/null
ninja -C build/fuzz -j"$JOBS"
for f in build/fuzz/fuzz/fuzz_*; do
  [ -f "$f" ] && [ -x "$f" ] || continue
  name=$(basename "$f"); corpus=fuzz/corpus/${name#fuzz_}
  work=build/fuzz/corpus-$name; mkdir -p "$work"
  if "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      "$work" ${corpus:+$( [ -d "$corpus" ] && echo "$corpus")} > "build/fuzz/$name.log" 2>&1; then
    echo "fuzz $name: ok ($(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "build/fuzz/$name.log" | grep -Eo '[0-9]+$') runs)"
    pass=$((pass + 1))
  else
    echo "fuzz $name: FAILED"; tail -40 "build/fuzz/$name.log"; fail=$((fail + 1))
  fi
done

echo "all: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
