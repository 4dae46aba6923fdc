#!/usr/bin/env bash
# End-to-end: seed 000's "Live Feature Enrichment" with the command: a table with a merge
# key, a MERGE with new columns, a partial MERGE, a DELETE, time travel and compaction.
set -uo pipefail
. "${DC_SOURCE_DIR:?}/tests/lib/cli.sh" # DC, work, check, code, finish
cd "$work"
R=(--root "$work/cat")
rows() { "$DC" read "${R[@]}" users --format csv "$@" | tail -n +2 | sort -t, -k1,1n | paste -sd'|'; }
printf 'user_id,name\n1,Jim\n2,Dinah\n3,Bob\n' > initial.csv
printf 'user_id,name,age,job\n1,Cheshire,3,Tour Guide\n3,Felix,2,Drifter\n4,Tom,5,Housekeeper\n5,Simpkin,12,Mouser\n' > enriched.csv
printf 'user_id,age\n2,8\n' > partial.csv
printf 'user_id\n3\n5\n9\n' > gone.csv

"$DC" init "${R[@]}" >/dev/null
"$DC" write "${R[@]}" users initial.csv --merge-key user_id >/dev/null
check "initial" "1,Jim|2,Dinah|3,Bob" "$(rows)"
"$DC" write "${R[@]}" users enriched.csv >/dev/null # AUTO on a keyed table: MERGE
check "enriched: updated, inserted, new columns" \
  "1,Cheshire,3,Tour Guide|2,Dinah,,|3,Felix,2,Drifter|4,Tom,5,Housekeeper|5,Simpkin,12,Mouser" "$(rows)"
"$DC" write "${R[@]}" users partial.csv --mode merge >/dev/null
check "a partial merge keeps the other columns" "2,Dinah,8," "$(rows | tr '|' '\n' | grep '^2,')"
"$DC" write "${R[@]}" users gone.csv --mode delete >/dev/null
check "deleted (9 was absent)" "1|2|4" "$(rows --columns user_id)"
check "time travel to before the delete" "1|2|3|4|5" "$(rows --columns user_id --as-of 3)"
check "add to a keyed table: invalid input" "5" "$(code "$DC" write "${R[@]}" users initial.csv --mode add)"
check "delete without the key column: invalid input" "5" \
  "$(printf 'name\nJim\n' > nokey.csv; code "$DC" write "${R[@]}" users nokey.csv --mode delete)"
check "compact" "yes" \
  "$("$DC" compact "${R[@]}" users | grep -Eq '^users: [0-9]+ files \(3 outstanding deltas\) -> 1 files, 3 rows' && echo yes)"
check "same rows after compaction" "1,Cheshire,3,Tour Guide|2,Dinah,8,|4,Tom,5,Housekeeper" "$(rows)"
check "nothing left to compact" "users: nothing to compact" "$("$DC" compact "${R[@]}" users)"
check "compact --json" "false" "$("$DC" compact "${R[@]}" users --json | grep -o '"compacted": *[a-z]*' | grep -o '[a-z]*$')"
# filed by merge-key bucket: with files of one row, three rows take three buckets; a later
# MERGE of one key rewrites its bucket's file and keeps the other two
printf 'user_id,age\n4,6\n' > one.csv
"$DC" write "${R[@]}" users one.csv --mode merge >/dev/null
jn() { grep -o "\"$1\": *[0-9]*" | grep -o '[0-9]*$'; }
out=$("$DC" compact "${R[@]}" users --target-rows 1 --json)
check "compact into key buckets" "4 0" "$(jn key_buckets <<<"$out") $(jn files_kept <<<"$out")"
"$DC" write "${R[@]}" users one.csv --mode merge >/dev/null
out=$("$DC" compact "${R[@]}" users --target-rows 1)
check "a later compaction keeps the untouched buckets" "yes" \
  "$(grep -Eq '^users: 2 files \(1 outstanding deltas\) -> 1 files, 1 rows, .*; 4 key buckets, 2 files of untouched buckets kept' <<<"$out" && echo yes)"
check "same rows after both" "1,Cheshire,3,Tour Guide|2,Dinah,8,|4,Tom,6,Housekeeper" "$(rows)"
check "compact a missing table: not found" "3" "$(code "$DC" compact "${R[@]}" nope)"
check "compact without a table: usage" "2" "$(code "$DC" compact "${R[@]}")"
echo "merge: $((checks - failures))/$checks checks passed"
[ "$failures" -eq 0 ]
