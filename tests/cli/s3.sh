#!/usr/bin/env bash
# End to end on S3 (a moto server started here): deltacat on an s3:// root given by
# --root, DELTACAT_ROOT and a named catalog (with its own S3 settings, which win over the
# environment): init, write, MERGE and DELETE by merge key, time travel, history,
# compaction, gc --dry-run; `deltacat copy` local -> S3 -> local (one table, a namespace
# with *, everything with **, a schemaless table's files, a past version) with identical
# rows each way; a missing bucket and an endpoint that does not answer fail with the
# bucket named and nothing created. Without moto_server the test FAILS (run
# scripts/bootstrap.sh).
set -uo pipefail
. "${DC_SOURCE_DIR:?}/tests/lib/cli.sh" # DC, work, check, code, finish
. "${DC_SOURCE_DIR:?}/tests/oracles/moto.sh"
moto_start || { echo "s3: FAIL: $MOTO_WHY"; exit 1; }
moto_bucket dc-cli || exit 1
err() { "$@" 2>&1 >/dev/null; }
has() { grep -qF -- "$1" && echo yes || echo no; }
# the rows of a table as sorted CSV lines joined by '|'
rows() { "$DC" read "$@" --format csv | tail -n +2 | sort | paste -sd'|'; }
# the keys under a prefix of a bucket, straight from moto
keys() { curl -s "$MOTO_ENDPOINT/$1?list-type=2&prefix=$2" | grep -o '<Key>[^<]*</Key>' | wc -l; }
DEAD=http://127.0.0.1:1 # an endpoint that refuses connections
unset DELTACAT_ROOT
export DELTACAT_CONFIG="$work/config.json" HOME="$work"
cd "$work"
printf 'user_id,name\n1,Jim\n2,Dinah\n3,Bob\n' > initial.csv
printf 'user_id,name,age,job\n1,Cheshire,3,Tour Guide\n3,Felix,2,Drifter\n4,Tom,5,Housekeeper\n5,Simpkin,12,Mouser\n' > enriched.csv
printf 'user_id,age\n2,8\n' > partial.csv
printf 'user_id\n3\n5\n9\n' > gone.csv
printf 'product_id,name,price\n101,Mushrooms,12.99\n102,Fish,8.99\n' > products.csv
printf 'a,b\n1,x\n2,y\n' > blob1.csv
printf '{"a": 3, "b": "z"}\n' > blob2.jsonl

# ---- --root s3://... : the merge-key workflow ----
R=(--root s3://dc-cli/viaroot)
check "init on S3" "0" "$(code "$DC" init "${R[@]}")"
"$DC" write "${R[@]}" users initial.csv --merge-key user_id >/dev/null
check "write" "1,Jim|2,Dinah|3,Bob" "$(rows "${R[@]}" users)"
"$DC" write "${R[@]}" users enriched.csv >/dev/null
check "merge: updated, inserted, new columns" \
  "1,Cheshire,3,Tour Guide|2,Dinah,,|3,Felix,2,Drifter|4,Tom,5,Housekeeper|5,Simpkin,12,Mouser" \
  "$(rows "${R[@]}" users)"
"$DC" write "${R[@]}" users partial.csv --mode merge >/dev/null
"$DC" write "${R[@]}" users gone.csv --mode delete >/dev/null
final="1,Cheshire,3,Tour Guide|2,Dinah,8,|4,Tom,5,Housekeeper"
check "partial merge, delete" "$final" "$(rows "${R[@]}" users)"
check "time travel (--as-of 3)" "1|2|3|4|5" "$(rows "${R[@]}" users --columns user_id --as-of 3)"
check "history: 4 writes (and the creation)" "yes" \
  "$([ "$("$DC" history "${R[@]}" --json | grep -o '"version"' | wc -l)" -ge 4 ] && echo yes)"
check "a filtered read" "2,Dinah|4,Tom" "$(rows "${R[@]}" users --columns user_id,name --where 'age > 4')"
check "compact" "yes" \
  "$("$DC" compact "${R[@]}" users | grep -Eq '^users: [0-9]+ files \(3 outstanding deltas\) -> 1 files, 3 rows' && echo yes)"
check "the same rows after compaction" "$final" "$(rows "${R[@]}" users)"
check "time travel after compaction" "1|2|3|4|5" "$(rows "${R[@]}" users --columns user_id --as-of 3)"
before=$(keys dc-cli viaroot/)
check "gc --dry-run" "0" "$(code "$DC" gc "${R[@]}" --dry-run --grace 0 --retain-versions 1)"
check "gc --dry-run removed nothing" "$before" "$(keys dc-cli viaroot/)"
check "gc --dry-run reports what it would remove" "yes" \
  "$("$DC" gc "${R[@]}" --dry-run --grace 0 --retain-versions 1 --json | grep -q '"data_files": *[1-9]' && echo yes)"

# ---- DELTACAT_ROOT=s3://... ----
check "DELTACAT_ROOT: init" "0" "$(DELTACAT_ROOT=s3://dc-cli/viaenv code "$DC" init)"
DELTACAT_ROOT=s3://dc-cli/viaenv "$DC" write -n inventory products products.csv >/dev/null
check "DELTACAT_ROOT: read" "101,Mushrooms,12.99|102,Fish,8.99" \
  "$(DELTACAT_ROOT=s3://dc-cli/viaenv rows -n inventory products)"
check "DELTACAT_ROOT: it is on S3" "yes" "$([ "$(keys dc-cli viaenv/)" -gt 0 ] && echo yes)"

# ---- a named catalog: its S3 settings win over the environment ----
check "catalog add s3 --init with its own endpoint" "0" \
  "$(AWS_ENDPOINT_URL=$DEAD code "$DC" catalog add aws s3://dc-cli/named --endpoint-url "$MOTO_ENDPOINT" --region us-east-1 --init)"
check "the settings are in the file" "yes" \
  "$(tr -d ' \n' < config.json | has "\"s3\":{\"endpoint_url\":\"$MOTO_ENDPOINT\",\"region\":\"us-east-1\"}")"
check "--region on a local root: usage" "2" "$(code "$DC" catalog add bad "$work/x" --region us-east-1)"
export AWS_ENDPOINT_URL=$DEAD # from here on only the catalog's settings reach moto
A=(--catalog aws)
"$DC" write "${A[@]}" users initial.csv --merge-key user_id >/dev/null
"$DC" write "${A[@]}" users partial.csv --mode merge >/dev/null
check "named catalog: write, merge, read" "1,Jim,|2,Dinah,8|3,Bob," "$(rows "${A[@]}" users)"
check "named catalog: as of version 1" "1,Jim|2,Dinah|3,Bob" "$(rows "${A[@]}" users --as-of 1)"
check "--root uses the environment: it does not answer" "6" "$(code "$DC" read --root s3://dc-cli/named users)"
export AWS_ENDPOINT_URL=$MOTO_ENDPOINT

# ---- copy local -> S3 -> local ----
"$DC" catalog add local "$work/local" --init >/dev/null
"$DC" catalog add back "$work/back" --init >/dev/null
"$DC" catalog add aws2 s3://dc-cli/aws2 --init >/dev/null
L=(--catalog local)
"$DC" write "${L[@]}" users initial.csv --merge-key user_id >/dev/null
"$DC" write "${L[@]}" users enriched.csv >/dev/null
"$DC" write "${L[@]}" -n inventory products products.csv >/dev/null
"$DC" write "${L[@]}" -n inventory more products.csv >/dev/null
"$DC" table create "${L[@]}" blobs --schemaless >/dev/null
"$DC" write "${L[@]}" blobs blob1.csv blob2.jsonl >/dev/null
"$DC" namespace create "${L[@]}" empty >/dev/null
same() { # name, table args...: the rows of catalog X equal those of catalog Y
  check "$1" "$(rows --catalog "$2" "${@:4}")" "$(rows --catalog "$3" "${@:4}")"
}
check "copy one table to S3" "0" "$(code "$DC" copy dc://local/default/users dc://aws/default/copied)"
check "its rows" "$(rows "${L[@]}" users)" "$(rows "${A[@]}" copied)"
check "copy a namespace's tables (*) to S3" "0" "$(code "$DC" copy 'dc://local/inventory/*' dc://aws/inv)"
check "into namespace inv" "$(rows "${L[@]}" -n inventory products)/$(rows "${L[@]}" -n inventory more)" \
  "$(rows "${A[@]}" -n inv products)/$(rows "${A[@]}" -n inv more)"
out=$("$DC" copy 'dc://local/**' dc://aws2)
check "copy everything (**) to S3" "yes" "$(has 'committed as version' <<<"$out")"
files=(--columns content_type,file_size,record_count) # a schemaless table's manifest
same "aws2: default.users" local aws2 users
same "aws2: default.blobs (its files)" local aws2 blobs "${files[@]}"
for t in products more; do same "aws2: inventory.$t" local aws2 -n inventory "$t"; done
check "aws2: the empty namespace" "yes" "$("$DC" list dc://aws2 | has 'dc://aws2/empty')"
check "the schemaless table's files, materialized" "$(rows "${L[@]}" blobs --materialize)" \
  "$(rows --catalog aws2 blobs --materialize)"
out=$("$DC" copy 'dc://aws2/**' dc://back)
check "copy everything back from S3" "yes" "$(has 'committed as version' <<<"$out")"
same "back: default.users" local back users
for t in products more; do same "back: inventory.$t" local back -n inventory "$t"; done
same "schemaless from S3: the same files back" local back blobs "${files[@]}"
check "schemaless from S3: the same rows" "$(rows "${L[@]}" blobs --materialize)" \
  "$(rows --catalog back blobs --materialize)"
# a past version: the source as of its version 1 (before the merge)
check "copy --as-of 1 from S3" "0" "$(code "$DC" copy dc://aws/default/users dc://back/default/users_v1 --as-of 1)"
check "its rows are those of then" "1,Jim|2,Dinah|3,Bob" "$(rows --catalog back users_v1)"
check "copy --table-version 1 (the current one)" "0" \
  "$(code "$DC" copy dc://aws2/default/users dc://back/default/users_t1 --table-version 1)"
check "its rows" "$(rows --catalog aws2 users)" "$(rows --catalog back users_t1)"
check "copy --table-version 2: no such version" "3" \
  "$(code "$DC" copy dc://aws2/default/users dc://back/default/users_t2 --table-version 2)"
check "the message says so" "yes" \
  "$(err "$DC" copy dc://aws2/default/users dc://back/default/users_t2 --table-version 2 | has 'has no version 2')"
check "--table-version with a namespace: usage" "2" \
  "$(code "$DC" copy 'dc://aws2/inventory/*' dc://back/x --table-version 1)"

# ---- errors: a missing bucket, an endpoint that does not answer ----
check "init in a missing bucket: not found" "3" "$(code "$DC" init --root s3://dc-no-such-bucket/cat)"
check "the message names the bucket" "yes" \
  "$(err "$DC" init --root s3://dc-no-such-bucket/cat | has 'dc-no-such-bucket')"
check "the bucket was not created" "404" \
  "$(curl -s -o /dev/null -w '%{http_code}' "$MOTO_ENDPOINT/dc-no-such-bucket")"
"$DC" catalog add ghost s3://dc-no-such-bucket/cat >/dev/null
check "copy to a catalog in a missing bucket: not found" "3" \
  "$(code "$DC" copy dc://local/default/users dc://ghost)"
check "an endpoint that does not answer: I/O error" "6" \
  "$(AWS_ENDPOINT_URL=$DEAD code "$DC" init --root s3://dc-cli/dead)"
msg=$(AWS_ENDPOINT_URL=$DEAD err "$DC" init --root s3://dc-cli/dead)
check "the message names the bucket and the endpoint" "yes yes" \
  "$(has 's3://dc-cli/dead' <<<"$msg") $(has "cannot connect to S3 endpoint $DEAD" <<<"$msg")"
check "nothing was created" "0" "$(keys dc-cli dead/)"
check "catalog add --init in a missing bucket: not added" "3 no" \
  "$(code "$DC" catalog add ghost2 s3://dc-no-such-bucket/x --init) $("$DC" catalog list | has ghost2)"

echo "s3: $((checks - failures))/$checks checks passed"
[ "$failures" -eq 0 ]
