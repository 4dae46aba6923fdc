#!/usr/bin/env bash
# valgrind finds no leak and no invalid access on the convert and show paths
# (CSV -> JSONL -> CSV, with nulls, quoting and an error path).
set -euo pipefail
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$DC_BENCH_GEN" --rows 3000 --seed 7 --format csv -o "$work/in.csv"
vg=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99)
"${vg[@]}" "$DC_BIN" convert "$work/in.csv" "$work/out.jsonl" 2>"$work/log1" || { cat "$work/log1"; exit 1; }
"${vg[@]}" "$DC_BIN" convert "$work/out.jsonl" "$work/back.csv" 2>"$work/log2" || { cat "$work/log2"; exit 1; }
"${vg[@]}" "$DC_BIN" show --limit 5 "$work/back.csv" >/dev/null 2>"$work/log3" || { cat "$work/log3"; exit 1; }
printf 'a,b\n1,2\n3\n' > "$work/bad.csv"
set +e
"${vg[@]}" "$DC_BIN" convert "$work/bad.csv" "$work/bad.jsonl" 2>"$work/log4"
rc=$?
set -e
[ "$rc" -eq 5 ] || { echo "expected exit 5 for a malformed file, got $rc"; cat "$work/log4"; exit 1; }
[ ! -e "$work/bad.jsonl" ] || { echo "a failed convert left its output behind"; exit 1; }
[ "$(wc -l < "$work/out.jsonl")" -eq 3000 ]
echo "valgrind: convert, show and the error path are clean"
