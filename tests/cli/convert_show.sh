#!/usr/bin/env bash
# End-to-end tests of `deltacat convert`, `show`, `help`, `--version` and the
# exit codes, driving the binary and asserting its output.
set -uo pipefail
. "${DC_SOURCE_DIR:?}/tests/lib/cli.sh" # DC, work, check, code, finish

cat > "$work/users.csv" <<'CSV'
id,name,age,joined,score
1,Cheshire,3,2024-01-02 03:04:05,1.5
2,"Dinah, the cat",7,2024-02-29 00:00:00,
3,"Felix ""the"" cat",5,2023-12-31 23:59:59,2.25
CSV

check "version" "deltacat $(sed -nE 's/^project\(deltacat VERSION ([0-9.]+).*/\1/p' "$DC_SOURCE_DIR/CMakeLists.txt")" "$("$DC" --version)"
check "help lists commands" "yes" "$("$DC" help | grep -q '^  convert' && "$DC" help | grep -q '^  show' && echo yes)"
check "help convert has examples" "yes" "$("$DC" help convert | grep -q 'Examples:' && echo yes)"
check "help unknown command" "2" "$(code "$DC" help nope)"
check "unknown command" "2" "$(code "$DC" frobnicate)"
check "no arguments" "2" "$(code "$DC")"

check "show table" "id  name             age  joined               score
--  ---------------  ---  -------------------  -----
 1  Cheshire           3  2024-01-02 03:04:05    1.5
 2  Dinah, the cat     7  2024-02-29 00:00:00   null
 3  Felix \"the\" cat    5  2023-12-31 23:59:59   2.25
(3 rows)" "$("$DC" show "$work/users.csv")"

check "show schema" "id: int64
name: string
age: int64
joined: timestamp[us]
score: double" "$("$DC" show --schema "$work/users.csv")"

check "show limit" "id  name      age  joined               score
--  --------  ---  -------------------  -----
 1  Cheshire    3  2024-01-02 03:04:05    1.5
(1 rows shown; more not shown: raise --limit)" "$("$DC" show -n 1 "$work/users.csv")"

check "show count" "3 rows" "$("$DC" show --limit 0 "$work/users.csv")"

check "show json" '[
  {"id": 1, "name": "Cheshire", "age": 3, "joined": "2024-01-02 03:04:05", "score": 1.5},
  {"id": 2, "name": "Dinah, the cat", "age": 7, "joined": "2024-02-29 00:00:00", "score": null}
]' "$("$DC" show --json -n 2 "$work/users.csv")"

"$DC" convert "$work/users.csv" "$work/users.jsonl" 2>"$work/err"
check "convert message" "deltacat: wrote 3 rows to $work/users.jsonl" "$(cat "$work/err")"
check "convert to jsonl" '{"id":1,"name":"Cheshire","age":3,"joined":"2024-01-02 03:04:05","score":1.5}
{"id":2,"name":"Dinah, the cat","age":7,"joined":"2024-02-29 00:00:00","score":null}
{"id":3,"name":"Felix \"the\" cat","age":5,"joined":"2023-12-31 23:59:59","score":2.25}' "$(cat "$work/users.jsonl")"

"$DC" convert "$work/users.jsonl" "$work/back.csv" 2>/dev/null
check "jsonl back to csv" 'id,name,age,joined,score
1,Cheshire,3,2024-01-02 03:04:05,1.5
2,"Dinah, the cat",7,2024-02-29 00:00:00,
3,"Felix ""the"" cat",5,2023-12-31 23:59:59,2.25' "$(cat "$work/back.csv")"

"$DC" convert --to tsv "$work/users.csv" "$work/users.txt" 2>/dev/null
check "csv to tsv" "$(printf 'id\tname\tage\tjoined\tscore\n1\tCheshire\t3\t2024-01-02 03:04:05\t1.5')" "$(head -2 "$work/users.txt")"
check "tsv by --from" "3 rows" "$("$DC" show --from tsv -n 0 "$work/users.txt")"

check "stdin to stdout" '{"id":1,"name":"Cheshire","age":3,"joined":"2024-01-02 03:04:05","score":1.5}' \
  "$(head -2 "$work/users.csv" | "$DC" convert --from csv --to jsonl - -)"

# Errors: exit codes, messages naming the file and line, nothing left behind.
printf 'a,b\n1,2\n3,4,5\n' > "$work/ragged.csv"
check "ragged row exit code" "5" "$(code "$DC" convert "$work/ragged.csv" "$work/ragged.jsonl")"
check "ragged row leaves no output" "absent" "$([ -e "$work/ragged.jsonl" ] && echo present || echo absent)"
msg=$("$DC" convert "$work/ragged.csv" "$work/ragged.jsonl" 2>&1)
check "ragged row message names file and line" "yes" "$(grep -q "ragged.csv:3" <<<"$msg" && echo yes || echo "no: $msg")"
check "missing input" "3" "$(code "$DC" convert "$work/nope.csv" "$work/x.jsonl")"
check "unknown extension" "2" "$(code "$DC" convert "$work/users.csv" "$work/x.xyz")"
check "same in and out" "2" "$(code "$DC" convert "$work/users.csv" "$work/users.csv")"
check "bad limit" "2" "$(code "$DC" show --limit many "$work/users.csv")"
check "wrong arg count" "2" "$(code "$DC" convert "$work/users.csv")"
printf '{"a": 1}\n{"a": \n' > "$work/bad.jsonl"
check "bad jsonl exit code" "5" "$(code "$DC" show "$work/bad.jsonl")"
msg=$("$DC" show "$work/bad.jsonl" 2>&1)
check "bad jsonl names line" "yes" "$(grep -q "bad.jsonl:2" <<<"$msg" && echo yes || echo "no: $msg")"
echo 'x' > "$work/existing.jsonl"
check "failed convert keeps an existing output" "5 x" "$(code "$DC" convert "$work/ragged.csv" "$work/existing.jsonl") $(cat "$work/existing.jsonl")"

# The demo runs and prints its tables.
out=$(cd "$work" && "$DC" demo)
check "demo shows the users" "yes" "$(grep -q 'Felix' <<<"$out" && grep -q 'San Francisco' <<<"$out" && echo yes)"
check "demo reads its Parquet file back and its table" "3" "$(grep -c 'San Francisco' <<<"$out")"
check "demo appends with a new column" "yes" "$(grep -q '(6 rows)' <<<"$out" && echo yes)"
check "demo filters" "Dinah Felix" "$(sed -n '/^7\. Read with a filter/,/rows)/p' <<<"$out" | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[A-Z]/ {print $2}' | paste -sd' ')"
check "demo travels back in time" "3" "$(sed -n '/^8\. Time travel/,/rows)/p' <<<"$out" | grep -c 'Cheshire\|Dinah\|Felix')"
out2=$(cd "$work" && "$DC" demo)
check "demo runs again from scratch" "$out" "$out2"

echo "cli convert/show: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
