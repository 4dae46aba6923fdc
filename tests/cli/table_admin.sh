#!/usr/bin/env bash
# End-to-end tests of times (--as-of, history --since/--until, rollback --to as ISO-8601),
# table create/alter/rename/rollback/versions, namespace alter/rename and write's
# --merge-key and --mode merge|delete: outputs, exit codes, nothing changed on bad input.
set -uo pipefail
. "${DC_SOURCE_DIR:?}/tests/lib/cli.sh" # DC, work, check, code, finish
err() { "$@" 2>&1 >/dev/null; }
has() { grep -qF -- "$1" && echo yes || echo no; } # has TEXT < input
tree() { (cd "$1" && find . -type f | sort | xargs -r md5sum); }
export DELTACAT_CONFIG="$work/config.json" # never the user's own
cd "$work"
printf 'id,name,age\n1,Cheshire,3\n2,Dinah,7\n' > u.csv
printf 'id,name,age\n3,Felix,5\n' > v.csv
R=(--root "$work/cat")

# ---- times ----
"$DC" write "${R[@]}" users u.csv -m first >/dev/null
sleep 0.2; between=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ); sleep 0.2
"$DC" write "${R[@]}" users v.csv -m second >/dev/null
check "as of an ISO-8601 time between the commits" "2" \
  "$("$DC" read "${R[@]}" users --as-of "$between" --format csv | tail -n +2 | wc -l | tr -d ' ')"
frac=${between#*.}; frac=${frac%Z}
local_plus1=$(date -u -d "${between%.*} UTC + 1 hour" '+%Y-%m-%d %H:%M:%S')
check "the same instant written in +01:00" "2" \
  "$("$DC" read "${R[@]}" users --as-of "$local_plus1.$frac+01:00" --format csv | tail -n +2 | wc -l | tr -d ' ')"
check "... and in -0130" "2" \
  "$("$DC" read "${R[@]}" users --as-of "$(date -u -d "${between%.*} UTC - 90 min" '+%Y-%m-%dT%H:%M:%S').$frac-0130" --format csv | tail -n +2 | wc -l | tr -d ' ')"
check "a date alone is its midnight UTC (before the catalog: no namespace)" "3" \
  "$(code "$DC" read "${R[@]}" users --as-of 2020-01-01)"
check "a time in the zone +01:00" "3" \
  "$(code "$DC" read "${R[@]}" users --as-of '2020-01-01 00:30:00.123+01:00')"
check "a bad month: usage" "2" "$(code "$DC" read "${R[@]}" users --as-of 2026-13-01)"
check "Feb 30: usage" "2" "$(code "$DC" read "${R[@]}" users --as-of 2026-02-30)"
check "trailing text: usage" "2" "$(code "$DC" read "${R[@]}" users --as-of 2026-01-01Tnoon)"
check "the usage names the value" "yes" \
  "$(err "$DC" read "${R[@]}" users --as-of 2026-13-01 | has 'ISO-8601 time, not "2026-13-01"')"
check "a time in the future: invalid" "5" "$(code "$DC" read "${R[@]}" users --as-of 2200-01-01)"
check "history --since" "2 second" \
  "$("$DC" history "${R[@]}" --since "$between" | awk '{print $1, $3}')"
check "history --until" "1 first" \
  "$("$DC" history "${R[@]}" --until "$between" | awk '{print $1, $3}')"
check "history --json has the time" "yes" \
  "$("$DC" history "${R[@]}" --json --limit 1 | grep -Eq '"time":"20[0-9-]+T[0-9:.]+Z"' && echo yes)"
check "history --since garbage: usage" "2" "$(code "$DC" history "${R[@]}" --since yesterday)"
check "history on a terminal is a table" "yes" \
  "$(script -qec "$DC history ${R[*]}" /dev/null | tr -d "\r" | grep -q '^version  committed' && echo yes)"

# ---- table create ----
cat > people.json <<'EOF'
{"fields": [{"name": "id", "type": "int64", "nullable": false},
            {"name": "name", "type": "string"}, {"name": "age", "type": "int32"}]}
EOF
check "create with a schema, merge key, properties, modes" "0" \
  "$(code "$DC" table create "${R[@]}" people --schema people.json --merge-key id \
      --description 'the people' --property owner=me --property team=x \
      --evolution manual --consistency coerce --content-type parquet)"
d=$("$DC" table describe "${R[@]}" people --json)
check "describe: merge keys" "yes" "$(has '"merge_keys":["id"]' <<<"$d")"
check "describe: properties" "yes" "$(has '"properties":{"owner":"me","team":"x"}' <<<"$d")"
check "describe: description and modes" "yes" \
  "$(has '"description":"the people"' <<<"$d" | grep -q yes && has '"evolution":"manual","consistency":"coerce"' <<<"$d")"
check "describe: schema as JSON" "yes" "$(has '"schema_json":{"fields":[{"name":"id","type":"int64","nullable":false' <<<"$d")"
check "describe text: merge keys" "merge keys:   id" "$("$DC" table describe "${R[@]}" people | grep '^merge keys')"
check "create again: exists" "7" "$(code "$DC" table create "${R[@]}" people --schema people.json)"
check "--if-not-exists" "0" "$(code "$DC" table create "${R[@]}" people --schema people.json --if-not-exists)"
check "partitioned, schemaless, csv" "0 0" \
  "$(code "$DC" table create "${R[@]}" events --partition-by 'bucket(4, id)' --schema people.json) $(code "$DC" table create "${R[@]}" blobs --schemaless)"
check "describe a partition scheme" "yes" "$("$DC" table describe "${R[@]}" events --json | has '"partition_by":"bucket(4, id)"')"
before=$(tree cat)
echo '{"fields": [{"name": "id", "type": "int6"}]}' > bad_type.json
echo '{"fields": [' > bad_json.json
check "a bad type: invalid" "5" "$(code "$DC" table create "${R[@]}" t1 --schema bad_type.json)"
check "... naming the file and field" "yes" "$(err "$DC" table create "${R[@]}" t1 --schema bad_type.json | has 'bad_type.json: field id: invalid type "int6"')"
check "malformed JSON: invalid, with the line" "yes" "$(err "$DC" table create "${R[@]}" t1 --schema bad_json.json | has 'bad_json.json: invalid JSON at line 2')"
check "a missing schema file: not found" "3" "$(code "$DC" table create "${R[@]}" t1 --schema nope.json)"
check "a merge key not in the schema: invalid" "5" "$(code "$DC" table create "${R[@]}" t1 --schema people.json --merge-key nope)"
check "a merge key without a schema: invalid" "5" "$(code "$DC" table create "${R[@]}" t1 --merge-key id)"
check "a name with ../: invalid" "5" "$(code "$DC" table create "${R[@]}" ../evil)"
check "a namespace with ../: invalid" "5" "$(code "$DC" table create "${R[@]}" -n ../x evil)"
check "a bad --evolution: usage" "2" "$(code "$DC" table create "${R[@]}" t1 --evolution sometimes)"
check "a bad --content-type: usage" "2" "$(code "$DC" table create "${R[@]}" t1 --content-type xml)"
check "a bad --property: usage" "2" "$(code "$DC" table create "${R[@]}" t1 --property novalue)"
check "an option another subcommand takes: usage" "2" "$(code "$DC" table drop "${R[@]}" people --schema x)"
check "bad input changed nothing on disk" "$before" "$(tree cat)"

# ---- alter, rename, versions, rollback ----
"$DC" table alter "${R[@]}" people --description 'new desc' --property team=y --unset-property owner
d=$("$DC" table describe "${R[@]}" people --json)
check "alter: description and properties" "yes yes" \
  "$(has '"description":"new desc"' <<<"$d") $(has '"properties":{"team":"y"}' <<<"$d")"
check "alter needs something" "2" "$(code "$DC" table alter "${R[@]}" people)"
check "alter a missing table" "3" "$(code "$DC" table alter "${R[@]}" ghost --description x)"
"$DC" namespace create "${R[@]}" crm
check "rename and move" "0" "$(code "$DC" table rename "${R[@]}" people folks --to-namespace crm)"
check "it is in crm" "folks" "$("$DC" table list "${R[@]}" -n crm --json | grep -o '"name":"[a-z]*"' | cut -d'"' -f4)"
check "gone from default" "3" "$(code "$DC" table describe "${R[@]}" people)"
check "move only" "0" "$(code "$DC" table rename "${R[@]}" -n crm folks --to-namespace default)"
check "rename onto an existing table: exists" "7" "$(code "$DC" table rename "${R[@]}" folks users)"
check "rename needs a target" "2" "$(code "$DC" table rename "${R[@]}" folks)"
check "rename to ../x: invalid" "5" "$(code "$DC" table rename "${R[@]}" folks ../x)"
check "versions" "1 * active 3 2" \
  "$("$DC" table versions "${R[@]}" users | awk 'NR == 3 {print $1, $2, $3, $4, $5}')"
check "versions --json" "yes" "$("$DC" table versions "${R[@]}" users --json | has '"version":1,"current":true,"lifecycle":"active","rows":3')"
check "rollback to version 1" "0" "$(code "$DC" table rollback "${R[@]}" users --to 1)"
check "the rows of version 1" "1,2" "$("$DC" read "${R[@]}" users --format csv --columns id | tail -n +2 | paste -sd,)"
check "rollback to a time (ISO-8601) after the second write" "0" \
  "$(code "$DC" table rollback "${R[@]}" users --to "$(date -u -d '+0 sec' +%Y-%m-%dT%H:%M:%S.%NZ)")"
check "the rows of then" "1,2" "$("$DC" read "${R[@]}" users --format csv --columns id | tail -n +2 | paste -sd,)"
v2=$("$DC" history "${R[@]}" --json | grep -o '"version":[0-9]*,"id":"[^"]*","timestamp_ns":[0-9]*,"time":"[^"]*","message":"second"' | grep -o '"time":"[^"]*"' | cut -d'"' -f4)
check "rollback to the ISO time of the second write" "0" "$(code "$DC" table rollback "${R[@]}" users --to "$v2")"
check "the rows of the second write" "1,2,3" "$("$DC" read "${R[@]}" users --format csv --columns id | tail -n +2 | paste -sd,)"
check "rollback to before the table: not found" "3" "$(code "$DC" table rollback "${R[@]}" users --to 2020-01-01)"
check "rollback needs --to" "2" "$(code "$DC" table rollback "${R[@]}" users)"
check "rollback --to garbage: usage" "2" "$(code "$DC" table rollback "${R[@]}" users --to soon)"

# ---- namespaces ----
check "namespace create with properties" "0" "$(code "$DC" namespace create "${R[@]}" sales --property owner=fin)"
check "namespace create again: exists" "7" "$(code "$DC" namespace create "${R[@]}" sales)"
check "namespace create --if-not-exists" "0" "$(code "$DC" namespace create "${R[@]}" sales --if-not-exists)"
"$DC" namespace alter "${R[@]}" sales --property region=eu
check "namespace alter merges properties" "yes" \
  "$("$DC" namespace list "${R[@]}" --json | has '{"name":"sales","tables":0,"properties":{"owner":"fin","region":"eu"}}')"
check "namespace rename" "0" "$(code "$DC" namespace rename "${R[@]}" sales revenue)"
check "renamed" "crm default revenue" "$("$DC" namespace list "${R[@]}" --json | grep -o '"name":"[a-z]*"' | cut -d'"' -f4 | paste -sd' ')"
check "namespace rename to ..: invalid" "5" "$(code "$DC" namespace rename "${R[@]}" revenue ..)"
check "namespace rename a missing one" "3" "$(code "$DC" namespace rename "${R[@]}" ghost x)"
check "namespace list on a terminal is a table" "yes" \
  "$(script -qec "$DC namespace list ${R[*]}" /dev/null | tr -d "\r" | grep -q '^namespace  tables  properties' && echo yes)"
check "table list on a terminal is a table" "yes" \
  "$(script -qec "$DC table list ${R[*]}" /dev/null | tr -d "\r" | grep -q '^table *rows  files' && echo yes)"

# ---- write: merge keys and modes ----
check "write --merge-key creates a keyed table" '["id"]' \
  "$("$DC" write "${R[@]}" keyed u.csv --merge-key id >/dev/null && "$DC" table describe "${R[@]}" keyed --json | grep -o '"merge_keys":\[[^]]*\]' | cut -d: -f2)"
check "write --merge-key with a missing column: invalid, no table" "5 3" \
  "$(code "$DC" write "${R[@]}" keyed2 u.csv --merge-key nope) $(code "$DC" table describe "${R[@]}" keyed2)"
check "--mode merge is accepted" "0" "$(code "$DC" write "${R[@]}" keyed v.csv --mode merge)"
check "--mode delete is accepted" "0" "$(code "$DC" write "${R[@]}" keyed v.csv --mode delete)"
check "--mode merge on a table without merge keys: invalid" "5" "$(code "$DC" write "${R[@]}" users v.csv --mode merge)"
check "... saying so" "yes" "$(err "$DC" write "${R[@]}" users v.csv --mode merge | has 'has no merge keys')"
check "help table has examples" "yes" "$("$DC" help table | has 'deltacat table rollback users --to 2026-11-24T10:00:00Z')"

echo "cli table_admin: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
