#!/usr/bin/env bash
# End-to-end tests of `deltacat gc`: abandoned staged files past the grace period,
# dropped (and purged) tables once their versions expire, dry runs, JSON, exit codes.
set -uo pipefail
. "${DC_SOURCE_DIR:?}/tests/lib/cli.sh" # DC, work, check, code, finish
has() { grep -qF -- "$1" && echo yes || echo no; }
field() { grep -o "\"$1\":[0-9a-z]*" | head -1 | cut -d: -f2; } # field NAME < json
tree() { (cd "$1" && find . -type f | sort | xargs -r md5sum); }
export DELTACAT_CONFIG="$work/config.json"
cd "$work"
R=(--root "$work/cat")
printf 'id,name\n1,a\n2,b\n' > a.csv
printf 'id,name\n3,c\n' > b.csv

check "gc before init: not found" "3" "$(code "$DC" gc "${R[@]}")"
"$DC" write "${R[@]}" keep a.csv >/dev/null
"$DC" write "${R[@]}" gone a.csv >/dev/null
"$DC" write "${R[@]}" purged b.csv >/dev/null
check "nothing to collect" "removed 0 objects (0 B)" "$("$DC" gc "${R[@]}" | head -1)"
check "every version readable" "every version (1 to 3) stays readable" "$("$DC" gc "${R[@]}" | tail -1)"

# files staged by a writer that gave up: one old, one young
mkdir -p cat/_staging/abandoned-1 cat/_staging/abandoned-2
printf 'id\n1\n' > cat/_staging/abandoned-1/part-0.csv   # 5 bytes
touch -d '2 hours ago' cat/_staging/abandoned-1/part-0.csv
printf 'id\n2\n' > cat/_staging/abandoned-2/part-0.csv
before=$(tree cat)
dry=$("$DC" gc "${R[@]}" --dry-run --json)
check "dry run: one staged file, 5 bytes" "1 5 1 true" \
  "$(field staged_files <<<"$dry") $(field bytes <<<"$dry") $(field kept_young <<<"$dry") $(field dry_run <<<"$dry")"
check "dry run names it" "yes" "$(has '"keys":["_staging/abandoned-1/part-0.csv"]' <<<"$dry")"
check "dry run changed nothing" "$before" "$(tree cat)"
check "dry run in words" "would remove 1 object (5 B) (dry run: nothing changed)" \
  "$("$DC" gc "${R[@]}" --dry-run | head -1)"
out=$("$DC" gc "${R[@]}" --list)
check "gc removes the old staged file" "removed 1 object (5 B)" "$(head -1 <<<"$out")"
check "a table of counts" "yes" "$(grep -q '^staged files *1$' <<<"$out" && echo yes)"
check "--list names it" "yes" "$(has '  _staging/abandoned-1/part-0.csv' <<<"$out")"
check "the old one is gone, the young one kept" "no yes" \
  "$([ -e cat/_staging/abandoned-1/part-0.csv ] && echo yes || echo no) $([ -e cat/_staging/abandoned-2/part-0.csv ] && echo yes || echo no)"
check "--grace 0 takes the young one" "1" "$("$DC" gc "${R[@]}" --grace 0 --json | field staged_files)"

# a dropped table and a purged one
"$DC" table drop "${R[@]}" purged --purge
check "a purged table's files are gone at the drop" "0" \
  "$(grep -rl . cat/data 2>/dev/null | xargs -r grep -l '^3,c' | wc -l | tr -d ' ')"
"$DC" table drop "${R[@]}" gone
check "a dropped table stays readable in the past: nothing collected" "0" \
  "$("$DC" gc "${R[@]}" --grace 0 --json | field data_files)"
check "read the dropped table as of version 2" "2" \
  "$("$DC" read "${R[@]}" gone --as-of 2 --format csv | tail -n +2 | wc -l | tr -d ' ')"
out=$("$DC" gc "${R[@]}" --grace 0 --retain-versions 1 --json)
check "retain one version: the dropped table's file goes" "1" "$(field data_files <<<"$out")"
check "... and old versions expire" "5" "$(field oldest_version <<<"$out")"
check "the expired version cannot be read" "3" "$(code "$DC" read "${R[@]}" gone --as-of 2)"
check "the kept table is whole" "2" "$("$DC" read "${R[@]}" keep --format csv | tail -n +2 | wc -l | tr -d ' ')"
check "in words" "versions 5 to 5 stay readable; older ones expired" "$("$DC" gc "${R[@]}" --grace 0 | tail -1)"

# usage
check "--grace takes seconds" "2" "$(code "$DC" gc "${R[@]}" --grace soon)"
check "--grace < 0" "2" "$(code "$DC" gc "${R[@]}" --grace -5)"
check "--retain-versions 0" "2" "$(code "$DC" gc "${R[@]}" --retain-versions 0)"
check "no arguments" "2" "$(code "$DC" gc "${R[@]}" extra)"
check "--root and --catalog" "2" "$(code "$DC" gc "${R[@]}" --catalog x)"
check "help gc has examples" "yes" "$("$DC" help gc | has 'deltacat gc --dry-run --list')"

echo "cli gc: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
