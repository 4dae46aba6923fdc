#!/usr/bin/env bash
# End-to-end tests of `deltacat list` and `deltacat copy` with dc:// URLs between two
# local catalogs: globs * and **, whole-table copies (schema, merge keys, partition
# scheme, properties, rows), all-or-nothing commits, bad URLs refused.
set -uo pipefail
. "${DC_SOURCE_DIR:?}/tests/lib/cli.sh" # DC, work, check, code, finish
err() { "$@" 2>&1 >/dev/null; }
has() { grep -qF -- "$1" && echo yes || echo no; }
urls() { "$DC" list "$@" --json | grep -o '"url":"[^"]*"' | cut -d'"' -f4 | paste -sd' '; }
tree() { (cd "$1" && find . -type f | sort | xargs -r md5sum); }
unset DELTACAT_ROOT
export DELTACAT_CONFIG="$work/config.json"
cd "$work"
printf 'id,name,age\n1,Cheshire,3\n2,Dinah,7\n3,Felix,5\n' > users.csv
printf 'product_id,name,price\n101,Mushrooms,12.99\n102,Fish,8.99\n' > products.csv
cat > keyed.json <<'JSON'
{"fields": [{"name": "id", "type": "int64", "nullable": false}, {"name": "name", "type": "string"},
            {"name": "age", "type": "int64"}]}
JSON
"$DC" catalog add original "$work/original" --init >/dev/null
"$DC" catalog add copy "$work/copy" --init >/dev/null
O=(--catalog original)
"$DC" write "${O[@]}" users users.csv >/dev/null
"$DC" write "${O[@]}" -n inventory catalog products.csv >/dev/null
"$DC" table create "${O[@]}" keyed --schema keyed.json --merge-key id --partition-by 'bucket(2, id)' \
  --description 'users by id' --property owner=crm --evolution manual --consistency coerce
"$DC" write "${O[@]}" keyed users.csv >/dev/null
"$DC" namespace create "${O[@]}" empty --property note=nothing

# ---- list ----
check "list: the catalogs" "dc://copy dc://original" "$(urls)"
check "list dc://original: its namespaces" "dc://original/default dc://original/empty dc://original/inventory" "$(urls dc://original)"
check "dc://original/* is the same" "$(urls dc://original)" "$(urls 'dc://original/*')"
check "-r: namespaces and tables" \
  "dc://original/default dc://original/default/keyed dc://original/default/users dc://original/empty dc://original/inventory dc://original/inventory/catalog" \
  "$(urls dc://original -r)"
check "dc://original/** is the same" "$(urls dc://original -r)" "$(urls 'dc://original/**')"
check "a namespace's tables" "dc://original/default/keyed dc://original/default/users" "$(urls dc://original/default)"
check "one table, as JSON" "yes" \
  "$("$DC" list dc://original/default/users --json | has '"type":"table","catalog":"original","namespace":"default","name":"users","rows":3,"files":1')"
check "list as a table" "yes" \
  "$("$DC" list dc://original | grep -q '^dc://original/inventory  namespace  1 table$' && echo yes)"
check "list -r from the top" "yes" "$(urls -r | has 'dc://copy dc://original dc://original/default')"
check "a missing table: not found" "3" "$(code "$DC" list dc://original/default/ghost)"
check "a missing namespace: not found" "3" "$(code "$DC" list dc://original/ghost)"
check "a missing catalog: not found" "3" "$(code "$DC" list dc://ghost)"

# ---- bad URLs: usage, nothing changed ----
before="$(tree original)$(tree copy)"
bad() { check "bad URL $1: usage" "2" "$(code "$DC" "${@:2}")"; }
bad "not dc://" copy s3://x/y dc://copy
bad "..-name" copy dc://original/../users dc://copy
bad "..-table" copy dc://original/default/.. dc://copy
bad "empty part" list dc://original//users
bad "too deep" list dc://original/a/b/c
bad "glob in the middle" list 'dc://original/*/users'
bad "glob after a table" list 'dc://original/default/users/*'
bad "glob at the destination" copy dc://original/default/users 'dc://copy/*'
bad "a whole catalog without a glob" copy dc://original dc://copy
bad "namespaces to a namespace" copy 'dc://original/*' dc://copy/default
bad "a namespace to a table URL" copy dc://original/empty dc://copy/a/b
bad "one URL" copy dc://original/default/users
check "the usage names the part at fault" "yes" \
  "$(err "$DC" copy dc://original/../users dc://copy | has '"dc://original/../users": ".." is not a valid name')"
check "bad URLs changed nothing" "$before" "$(tree original)$(tree copy)"

# ---- copy ----
out=$("$DC" copy dc://original/default/users dc://copy/default/local_users)
check "copy a table under a new name" "copied dc://original/default/users to dc://copy/default/local_users (3 rows)" \
  "$(grep '^copied' <<<"$out")"
check "its rows" "1,Cheshire,3|2,Dinah,7|3,Felix,5" \
  "$("$DC" read --catalog copy local_users --format csv | tail -n +2 | paste -sd'|')"
check "one commit in the destination, with a message" "1 copy" \
  "$("$DC" history --catalog copy | awk '{print $1, $3}')"
check "copy onto an existing table: exists, nothing committed" "7 1" \
  "$(code "$DC" copy dc://original/default/users dc://copy/default/local_users) $("$DC" history --catalog copy --json | grep -o '"version"' | wc -l | tr -d ' ')"
check "copy a keyed, partitioned table" "0" "$(code "$DC" copy dc://original/default/keyed dc://copy/crm)"
src=$("$DC" table describe "${O[@]}" keyed --json | sed 's/"id":"[^"]*",//; s/"namespace":"[a-z]*",//; s/"last_modified":[0-9]*,//')
dst=$("$DC" table describe --catalog copy -n crm keyed --json | sed 's/"id":"[^"]*",//; s/"namespace":"[a-z]*",//; s/"last_modified":[0-9]*,//')
check "everything but ids is the same (schema, merge keys, partitions, properties, rows)" "$src" "$dst"
check "... and merge keys are there" "yes" "$(has '"merge_keys":["id"]' <<<"$dst")"
check "copy a namespace: no tables" "0 0" \
  "$(code "$DC" copy dc://original/inventory dc://copy/stock) $("$DC" list dc://copy/stock --json | grep -c '"type":"table"')"
check "its properties come along" "yes" \
  "$("$DC" copy dc://original/empty dc://copy >/dev/null; "$DC" namespace list --catalog copy --json | has '{"name":"empty","tables":0,"properties":{"note":"nothing"}}')"
out=$("$DC" copy 'dc://original/default/**' dc://copy/myspace --json)
check "every table of a namespace (**)" "dc://copy/myspace/keyed dc://copy/myspace/users" "$(urls dc://copy/myspace)"
check "... in one commit" "yes" "$(has '"rows":6' <<<"$out")"
check "* on a namespace is the same" "0" "$(code "$DC" copy 'dc://original/default/*' dc://copy/myspace2)"
check "every namespace (*): no tables" "0" "$(code "$DC" copy 'dc://original/*' dc://copy)"
check "... the new ones are there, empty" "dc://copy/inventory" \
  "$(urls dc://copy | tr ' ' '\n' | grep inventory)"
check "inventory got no table" "" "$(urls dc://copy/inventory)"
# everything (**) into a fresh catalog
"$DC" catalog add third "$work/third" --init >/dev/null
check "every namespace and table (**)" "0" "$(code "$DC" copy 'dc://original/**' dc://third)"
check "the same listing, catalog aside" "$(urls dc://original -r | sed 's#dc://original#X#g')" "$(urls dc://third -r | sed 's#dc://third#X#g')"
check "... the same rows" "$("$DC" read "${O[@]}" -n inventory catalog --format csv)" "$("$DC" read --catalog third -n inventory catalog --format csv)"
# all or nothing: default/keyed is new at the destination, default/users exists
"$DC" copy dc://original/default/users dc://copy/default/users >/dev/null
listing=$(urls dc://copy -r); commits=$("$DC" history --catalog copy --json | grep -o '"version"' | wc -l)
check "a copy that meets an existing table: exists" "7" "$(code "$DC" copy 'dc://original/**' dc://copy)"
check "... naming both ends" "yes" \
  "$(err "$DC" copy 'dc://original/**' dc://copy | has 'copying dc://original/default/users to dc://copy/default/users: table users already exists')"
check "... and committed nothing (not even default/keyed, copied before it)" "$listing" "$(urls dc://copy -r)"
check "no new commit" "$commits" "$("$DC" history --catalog copy --json | grep -o '"version"' | wc -l)"
check "copy within one catalog" "0 3" \
  "$(code "$DC" copy dc://original/default/users dc://original/default/users_backup) $("$DC" read "${O[@]}" users_backup --format csv | tail -n +2 | wc -l | tr -d ' ')"
check "a missing source table: not found" "3" "$(code "$DC" copy dc://original/default/ghost dc://copy)"
check "a missing source namespace: not found" "3" "$(code "$DC" copy 'dc://original/ghost/**' dc://copy)"
"$DC" table create "${O[@]}" files --schemaless; "$DC" write "${O[@]}" files users.csv >/dev/null
"$DC" write "${O[@]}" files products.csv --mode append >/dev/null
check "a schemaless table: its files" "copied dc://original/default/files to dc://copy/default/files (2 files)" \
  "$("$DC" copy dc://original/default/files dc://copy | grep '^copied')"
check "... the same rows when materialized" "$("$DC" read "${O[@]}" files --materialize --format csv)" \
  "$("$DC" read --catalog copy files --materialize --format csv)"
check "... the same manifest, but paths" "$("$DC" read "${O[@]}" files --columns content_type,file_size,record_count --format csv)" \
  "$("$DC" read --catalog copy files --columns content_type,file_size,record_count --format csv)"
check "help copy has examples" "yes" "$("$DC" help copy | has 'deltacat copy dc://original/** dc://copy')"

echo "cli urls: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
