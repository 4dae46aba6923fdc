#!/usr/bin/env bash
# End-to-end tests of `deltacat txn`: several operations on several tables and namespaces
# in one transaction, all or nothing; malformed files refused with nothing changed.
set -uo pipefail
. "${DC_SOURCE_DIR:?}/tests/lib/cli.sh" # DC, work, check, code, finish
err() { "$@" 2>&1 >/dev/null; }
has() { grep -qF -- "$1" && echo yes || echo no; }
matches() { grep -q -- "$1" && echo yes || echo no; }
tree() { (cd "$1" && find . -type f | sort | xargs -r md5sum); }
rows() { "$DC" read "${R[@]}" "$@" --format csv | tail -n +2 | paste -sd'|'; }
export DELTACAT_CONFIG="$work/config.json"
cd "$work"
R=(--root "$work/cat")
printf 'order_id,user_id\n1001,1\n1002,2\n' > orders.csv
printf 'order_id,user_id\n1003,3\n' > more_orders.csv
printf 'user_id,name\n1,Cheshire\n2,Dinah\n' > users.csv
printf 'user_id,lifetime\n1,25.98\n2,8.99\n' > finance.csv

cat > load.json <<'JSON'
{"message": "initial load",
 "operations": [
  {"op": "create_namespace", "namespace": "sales", "properties": {"owner": "fin"}},
  {"op": "write", "namespace": "sales", "table": "orders", "files": ["orders.csv"], "mode": "create"},
  {"op": "write", "namespace": "identity", "table": "users", "file": "users.csv"},
  {"op": "create_table", "namespace": "finance", "table": "users",
   "schema": {"fields": [{"name": "user_id", "type": "int64", "nullable": false},
                         {"name": "lifetime", "type": "double"}]},
   "merge_keys": ["user_id"], "description": "lifetime payments", "properties": {"k": "v"}},
  {"op": "write", "namespace": "finance", "table": "users", "file": "finance.csv"}
 ]}
JSON
check "a table create needs its namespace: refused, nothing committed" "3" "$(code "$DC" txn "${R[@]}" load.json)"
check "... naming the operation" "yes" "$(err "$DC" txn "${R[@]}" load.json | has 'operation 4 (create_table users)')"
check "nothing of the first operations is visible" "3 3" \
  "$(code "$DC" read "${R[@]}" -n sales orders) $(code "$DC" read "${R[@]}" -n identity users)"
check "no commit in the history" "" "$("$DC" history "${R[@]}" 2>/dev/null)"
sed -i 's/  {"op": "create_table", "namespace": "finance"/  {"op": "create_namespace", "namespace": "finance"},\n  {"op": "create_table", "namespace": "finance"/' load.json
out=$("$DC" txn "${R[@]}" load.json)
check "all operations commit as one version" "committed 6 operations as catalog version 1" "$(head -1 <<<"$out")"
check "each operation summarized" "  3. write identity.users: 2 rows, created" "$(sed -n 4p <<<"$out")"
check "one transaction in the history, with the file's message" "1 initial load" \
  "$("$DC" history "${R[@]}" | awk '{print $1, $3, $4}')"
check "orders" "1001,1|1002,2" "$(rows -n sales orders)"
check "users" "1,Cheshire|2,Dinah" "$(rows -n identity users)"
check "finance: created with merge key and written" '["user_id"] 1,25.98|2,8.99' \
  "$("$DC" table describe "${R[@]}" -n finance users --json | grep -o '"merge_keys":\[[^]]*\]' | cut -d: -f2) $(rows -n finance users)"
check "namespace properties" "yes" "$("$DC" namespace list "${R[@]}" --json | has '{"name":"sales","tables":1,"properties":{"owner":"fin"}}')"

# all or nothing: the last operation fails, the first must not show
cat > fail_last.json <<'JSON'
[{"op": "write", "namespace": "sales", "table": "orders", "file": "more_orders.csv", "mode": "append"},
 {"op": "truncate", "namespace": "identity", "table": "users"},
 {"op": "drop_table", "table": "ghost"}]
JSON
check "the last operation fails: not found" "3" "$(code "$DC" txn "${R[@]}" fail_last.json -m 'should not be')"
check "... naming it and saying nothing committed" "yes" \
  "$(err "$DC" txn "${R[@]}" fail_last.json | matches '^deltacat: error: operation 3 (drop_table ghost): .* (nothing was committed)$')"
check "the append of operation 1 is not visible" "1001,1|1002,2" "$(rows -n sales orders)"
check "the truncate of operation 2 is not visible" "1,Cheshire|2,Dinah" "$(rows -n identity users)"
check "still one version" "1" "$("$DC" history "${R[@]}" --json | grep -o '"version"' | wc -l | tr -d ' ')"

# the same operations without the failing one, from standard input, -m overrides
printf '%s' '[{"op": "write", "namespace": "sales", "table": "orders", "file": "more_orders.csv", "mode": "append"},
 {"op": "truncate", "namespace": "identity", "table": "users"},
 {"op": "rename_table", "namespace": "finance", "table": "users", "new_name": "payments"},
 {"op": "alter_table", "namespace": "sales", "table": "orders", "description": "all orders"}]' > ok.json
out=$("$DC" txn "${R[@]}" - -m 'second batch' --json < ok.json)
check "--json result" "yes" "$(has '{"version":2,"operations":[{"op":"write","namespace":"sales","table":"orders","rows":1}' <<<"$out")"
check "all of them applied" "1001,1|1002,2|1003,3 0 payments" \
  "$(rows -n sales orders) $("$DC" read "${R[@]}" -n identity users --format csv | tail -n +2 | wc -l | tr -d ' ') $("$DC" table list "${R[@]}" -n finance --json | grep -o '"name":"[a-z]*"' | cut -d'"' -f4)"
check "-m is the message" "2 second batch" "$("$DC" history "${R[@]}" --limit 1 | awk '{print $1, $3, $4}')"
check "describe shows the altered description" "yes" "$("$DC" table describe "${R[@]}" -n sales orders | has 'description:  all orders')"
check "drop_namespace cascade and namespace ops" "0" \
  "$(code "$DC" txn "${R[@]}" - <<<'[{"op": "create_namespace", "namespace": "tmp", "if_not_exists": true}, {"op": "alter_namespace", "namespace": "tmp", "properties": {"a": "b"}}, {"op": "rename_namespace", "namespace": "tmp", "new_name": "tmp2"}, {"op": "drop_namespace", "namespace": "tmp2", "cascade": true}]')"
check "write modes merge/delete pass through (merge needs merge keys: invalid)" "5" \
  "$(code "$DC" txn "${R[@]}" - <<<'[{"op": "write", "namespace": "sales", "table": "orders", "file": "orders.csv", "mode": "merge"}]')"

# malformed files: refused before anything starts, nothing changed on disk
before=$(tree cat)
bad() { # name, exit code, message part, json
  check "$1: exit" "$2" "$(code "$DC" txn "${R[@]}" - <<<"$4")"
  check "$1: message" "yes" "$(err "$DC" txn "${R[@]}" - <<<"$4" | has "$3")"
}
bad "not JSON" 5 "(standard input):2:0: not JSON" '[{"op": "truncate", "table": "orders"'
bad "an operation at the top" 5 'unknown member "op"' '{"op": "truncate"}'
bad "empty" 5 "non-empty JSON array" '[]'
bad "unknown top member" 5 'unknown member "ops"' '{"ops": []}'
bad "unknown op" 5 'operation 1: unknown op "upsert"' '[{"op": "upsert", "table": "t"}]'
bad "no op" 5 'operation 2: "op" is missing' '[{"op": "truncate", "table": "t"}, {"table": "t"}]'
bad "unknown member" 5 'truncate takes no "files"' '[{"op": "truncate", "table": "t", "files": ["a"]}]'
bad "missing member" 5 'create_namespace needs "namespace"' '[{"op": "create_namespace"}]'
bad "wrong type" 5 '"cascade" of drop_namespace has the wrong type' '[{"op": "drop_namespace", "namespace": "x", "cascade": "yes"}]'
bad "files and file" 5 'write needs "files": [...] or "file"' '[{"op": "write", "table": "t", "file": "a", "files": ["b"]}]'
bad "bad mode" 5 'unknown write mode "upsert"' '[{"op": "write", "table": "t", "file": "a.csv", "mode": "upsert"}]'
bad "bad evolution" 5 'evolution is auto, manual or disabled' '[{"op": "create_table", "table": "t", "evolution": "x"}]'
bad "rename without a target" 5 'rename_table needs "new_name"' '[{"op": "rename_table", "table": "t"}]'
bad "a name with ../" 5 "may not contain '/'" '[{"op": "write", "table": "../evil", "file": "orders.csv"}]'
bad "a missing data file" 3 "missing.csv" '[{"op": "write", "table": "t", "file": "missing.csv"}]'
check "a missing txn file" "3" "$(code "$DC" txn "${R[@]}" nothere.json)"
check "no file: usage" "2" "$(code "$DC" txn "${R[@]}")"
check "nothing changed on disk" "$before" "$(tree cat)"
check "help txn has examples" "yes" "$("$DC" help txn | has 'deltacat txn load.json')"

echo "cli txn: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
