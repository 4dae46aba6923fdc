#!/usr/bin/env bash
# End-to-end tests of the catalog commands (init, write, read, history, namespace,
# table), driving the binary and asserting its output and exit codes.
set -uo pipefail
. "${DC_SOURCE_DIR:?}/tests/lib/cli.sh" # DC, work, check, code, finish
cd "$work"
printf 'id,name,age\n1,Cheshire,3\n2,Dinah,7\n' > u.csv
printf 'id,name,age,city\n3,Felix,5,Paris\n' > v.csv
printf '{"id": 4, "name": "Tom", "age": 2}\n' > w.jsonl
R=(--root "$work/cat")

check "read before init: not found" "3" "$(code "$DC" read "${R[@]}" users)"
check "init prints the id" "yes" "$("$DC" init "${R[@]}" | grep -Eq '^catalog [0-9a-f-]{36} at ' && echo yes)"
check "write creates" "wrote 2 rows in 1 files to default.users, created (catalog version 1)" \
  "$("$DC" write "${R[@]}" users u.csv -m 'first load')"
check "append with a new column" "wrote 1 rows in 1 files to default.users (catalog version 2)" \
  "$("$DC" write "${R[@]}" --mode append users v.csv)"
check "read all" "1 Cheshire 3 null|2 Dinah 7 null|3 Felix 5 Paris" \
  "$("$DC" read "${R[@]}" users | awk 'NR > 2 && $1 ~ /^[0-9]+$/ {print $1, $2, $3, $4}' | paste -sd'|')"
check "read with a filter and columns" "name,age|Dinah,7|Felix,5" \
  "$("$DC" read "${R[@]}" users --where '{"gt": ["age", 4]}' --columns name,age --format csv | paste -sd'|')"
check "read with a readable filter" "Felix" \
  "$("$DC" read "${R[@]}" users --where "age > 4 and city = 'Paris'" --columns name --format csv | tail -1)"
check "a readable filter's error names the byte" "yes" \
  "$(grep -q 'at byte 6' <<<"$("$DC" read "${R[@]}" users --where "age >> 4" 2>&1)" && echo yes)"
check "read as of version 1" "id,name,age|1,Cheshire,3|2,Dinah,7" \
  "$("$DC" read "${R[@]}" users --as-of 1 --format csv | paste -sd'|')"
check "read jsonl, limit" '{"id":1,"name":"Cheshire","age":3,"city":null}' \
  "$("$DC" read "${R[@]}" users --format jsonl --limit 1)"
"$DC" read "${R[@]}" users --format parquet -o "$work/out.parquet" >/dev/null
check "read to parquet" "3" "$("$DC" show --limit 0 "$work/out.parquet" | grep -Eo '^[0-9]+')"
check "mode create on an existing table: exists" "7" "$(code "$DC" write "${R[@]}" --mode create users w.jsonl)"
check "a bad filter: invalid" "5" "$(code "$DC" read "${R[@]}" users --where '{"eq": ["age"]}')"
check "an unknown column: not found" "3" "$(code "$DC" read "${R[@]}" users --columns nope)"
check "a bad mode: usage" "2" "$(code "$DC" write "${R[@]}" --mode sideways users u.csv)"
check "history, newest first, with messages" "2|1 first load" \
  "$("$DC" history "${R[@]}" | awk '{print $1, $3, $4}' | sed 's/ *$//' | paste -sd'|')"
check "history --json" "2" "$("$DC" history "${R[@]}" --json | grep -o '"version"' | wc -l | tr -d ' ')"
"$DC" namespace "${R[@]}" create pets
"$DC" write "${R[@]}" -n pets cats w.jsonl >/dev/null
check "namespaces" "default  (1 tables)|pets  (1 tables)" "$("$DC" namespace "${R[@]}" list | paste -sd'|')"
check "table list" "cats  1 rows, 1 files" "$("$DC" table "${R[@]}" -n pets list)"
check "describe" "yes" "$("$DC" table "${R[@]}" describe users | grep -q '^rows: *3 in 2 files' && echo yes)"
check "describe --json" "yes" "$("$DC" table "${R[@]}" describe users --json | grep -q '"rows":3' && echo yes)"
check "drop a namespace with a table: invalid" "5" "$(code "$DC" namespace "${R[@]}" drop pets)"
check "drop it with --cascade" "0" "$(code "$DC" namespace "${R[@]}" drop pets --cascade)"
check "truncate" "(0 rows)" "$("$DC" table "${R[@]}" truncate users && "$DC" read "${R[@]}" users | tail -1)"
check "the rows before, by time travel" "3" "$("$DC" read "${R[@]}" users --as-of 2 --format csv | tail -n +2 | wc -l | tr -d ' ')"
check "drop" "3" "$("$DC" table "${R[@]}" drop users; code "$DC" read "${R[@]}" users)"
check "DELTACAT_ROOT" "yes" "$(DELTACAT_ROOT="$work/env" "$DC" write t u.csv >/dev/null && DELTACAT_ROOT="$work/env" "$DC" table list | grep -q '^t ' && echo yes)"
check "help write has examples" "yes" "$("$DC" help write | grep -q 'Examples:' && echo yes)"

echo "cli tables: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
