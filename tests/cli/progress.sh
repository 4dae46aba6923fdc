#!/usr/bin/env bash
# Progress bars: drawn on standard error when it is a terminal (run under script(1)),
# erased when the work ends, never in piped or redirected output.
set -uo pipefail
. "${DC_SOURCE_DIR:?}/tests/lib/cli.sh" # DC, work, check, code, finish
GEN=${DC_BENCH_GEN:?}
has() { grep -qF -- "$1" && echo yes || echo no; }
matches() { grep -qE -- "$1" && echo yes || echo no; }
if ! command -v script >/dev/null; then echo "cli progress: skipped (no script(1))"; exit 0; fi
unset DELTACAT_PROGRESS
export DELTACAT_CONFIG="$work/config.json"
cd "$work"
"$GEN" --rows 100000 -o big.csv
tty() { script -qec "$*" /dev/null | tr '\r' '\n'; } # run on a pseudo-terminal

out=$(tty "$DC" write --root "$work/cat" big big.csv)
check "write on a terminal draws a bar over the input bytes" "yes" \
  "$(matches '^write big \[[#.]{30}\] +[0-9]+% [0-9.]+ [KM]?i?B/[0-9.]+ MiB, ' <<<"$out")"
check "... erased before the result" "yes" "$(has $'\e[Kwrote 100000 rows in 1 files to default.big' <<<"$out")"
out=$(tty "$DC" read --root "$work/cat" big --format csv -o out.csv)
check "read to a file: a bar over the rows, with the total" "yes" \
  "$(matches '^read big \[#{30}\] 100% 100.0k/100.0k rows, ' <<<"$out")"
"$DC" catalog add a "$work/cat" >/dev/null; "$DC" catalog add b "$work/b" --init >/dev/null
out=$(tty "$DC" copy dc://a/default/big dc://b/default/big)
check "copy: a bar per table" "yes" "$(matches '^copy default.big \[#{30}\] 100% 100.0k/100.0k rows' <<<"$out")"
check "... then the result" "yes" "$(has 'copied dc://a/default/big to dc://b/default/big (100000 rows)' <<<"$out")"
out=$(tty "$DC" read --root "$work/cat" big --limit 3)
check "rows printed to the terminal come after the bar is erased" "yes" "$(has $'\e[Kid' <<<"$out")"
out=$(tty "$DC" read --root "$work/cat" big --format csv --limit 3)
check "no bar when the rows stream to the same terminal" "no" "$(has 'read big' <<<"$out")"
out=$(DELTACAT_PROGRESS=0 tty "$DC" write --root "$work/cat" big2 big.csv)
check "DELTACAT_PROGRESS=0 turns it off" "no" "$(has 'write big2 [' <<<"$out")"
err=$("$DC" write --root "$work/cat" big3 big.csv 2>&1 >/dev/null)
check "standard error not a terminal: no bar" "" "$err"
err=$("$DC" read --root "$work/cat" big --format csv -o out2.csv 2>&1)
check "read, not a terminal: silent" "" "$err"
err=$(DELTACAT_PROGRESS=1 "$DC" read --root "$work/cat" big --format csv -o out3.csv 2>&1 | tr '\r' '\n')
check "DELTACAT_PROGRESS=1 forces it" "yes" "$(matches '^read big \[' <<<"$err")"

echo "cli progress: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
