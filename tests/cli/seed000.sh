#!/usr/bin/env bash
# Seed 000's examples (the DeltaCAT README) reproduced with the deltacat command, outputs
# asserted: quick start, idempotent writes, ordered writes, schemaless tables, file types,
# namespaces, multi-table transactions (txn), multiple catalogs with list/copy, and time
# travel with the transaction history. (Merge keys and deletes come with the engine's merge.)
set -uo pipefail
. "${DC_SOURCE_DIR:?}/tests/lib/cli.sh" # DC, work, check, code, finish
has() { grep -qF -- "$1" && echo yes || echo no; }
csv() { "$DC" read "$@" --format csv | tail -n +2 | paste -sd'|'; } # rows, |-separated
count() { "$DC" read "$@" --format csv | tail -n +2 | wc -l | tr -d ' '; }
unset DELTACAT_ROOT XDG_CONFIG_HOME DELTACAT_PROGRESS
export DELTACAT_CONFIG="$work/config.json" HOME="$work"
mkdir -p "$work/app" && cd "$work/app"

# ---- Quick Start: dc.init_local(); dc.write(data, "users"); dc.read("users") ----
printf 'id,name,age\n1,Cheshire,3\n2,Dinah,7\n3,Felix,5\n' > data.csv
printf 'id,name,age,city\n4,Tom,2,Hollywood\n5,Simpkin,12,Gloucester\n6,Delta,4,San Francisco\n' > more.csv
check "quick start: the write creates the table in ./.deltacat" \
  "wrote 3 rows in 1 files to default.users, created (catalog version 1)" "$("$DC" write users data.csv)"
check "the catalog is ./.deltacat" "yes" "$([ -f .deltacat/_catalog.json ] && echo yes)"
out=$("$DC" read users)
check "read shows the rows as a table" "id  name      age|--  --------  ---| 1  Cheshire    3| 2  Dinah       7| 3  Felix       5|(3 rows)" \
  "$(paste -sd'|' <<<"$out")"
"$DC" write users more.csv >/dev/null
check "a new column: missing cities are null" \
  "Cheshire 3 null|Dinah 7 null|Felix 5 null|Tom 2 Hollywood|Simpkin 12 Gloucester|Delta 4 San Francisco" \
  "$("$DC" read users --columns name,age,city | awk 'NR > 2 && !/^\(/ {n=$1; a=$2; $1=$2=""; sub(/^ +/, ""); print n, a, $0}' | paste -sd'|')"

# ---- Idempotent Writes: CREATE, else REPLACE; then ADD. Always 6 rows. ----
idempotent() {
  local mode=create
  [ "$(code "$DC" table describe users)" = 0 ] && mode=replace
  "$DC" write users data.csv --mode "$mode" >/dev/null && "$DC" write users more.csv --mode add >/dev/null
  count users
}
check "create on an existing table fails (exists)" "7" "$(code "$DC" write users data.csv --mode create)"
check "replace + add: 6 rows" "6" "$(idempotent)"
check "run again: still 6" "6" "$(idempotent)"
check "drop the table, create, add: 6" "6" \
  "$("$DC" table drop users && "$DC" write users data.csv --mode create >/dev/null && "$DC" write users more.csv --mode add >/dev/null && count users)"
check "dropping a missing table: not found" "3" "$(code "$DC" table drop nobody)"

# ---- Ordered Writes: create the table with a schema, APPEND three deltas, read in order ----
printf 'id,name,age\n1,Cheshire,3\n2,Dinah,7\n' > o1.csv
printf 'id,name,age,city\n3,Felix,2,Hollywood\n4,Tom,12,Gloucester\n' > o2.csv
printf 'id,name,age,city\n5,Simpkin,12,San Francisco\n6,Delta,4,San Francisco\n' > o3.csv
printf '{"fields": [{"name": "id", "type": "int64"}, {"name": "name", "type": "string"}, {"name": "age", "type": "int64"}]}' > users.schema.json
check "create an empty table with a schema" "0" "$(code "$DC" table create users_ordered --schema users.schema.json)"
for f in o1.csv o2.csv o3.csv; do "$DC" write users_ordered "$f" --mode append >/dev/null; done
check "appends read back in write order" "1|2|3|4|5|6" "$("$DC" read users_ordered --columns id --format csv | tail -n +2 | paste -sd'|')"
check "the new column evolved the schema" "id,name,age,city" "$("$DC" read users_ordered --format csv | head -1)"

# ---- Schemaless Tables: the manifest of files, then the unified rows ----
check "create a schemaless table" "0" "$(code "$DC" table create users_schemaless --schemaless)"
"$DC" write users_schemaless o1.csv --mode append >/dev/null
"$DC" write users_schemaless o2.csv --mode append >/dev/null
man=$("$DC" read users_schemaless --format csv)
check "the read is the manifest (one row per file)" "path,content_type,file_size,record_count,partition,stream_position" "$(head -1 <<<"$man")"
check "two files, in order, of 2 records each" "csv 2 1|csv 2 2" \
  "$(tail -n +2 <<<"$man" | awk -F, '{print $2, $4, $6}' | paste -sd'|')"
check "materialized: the rows, schemas unified" "1,Cheshire,3,|2,Dinah,7,|3,Felix,2,Hollywood|4,Tom,12,Gloucester" \
  "$("$DC" read users_schemaless --materialize --format csv | tail -n +2 | paste -sd'|')"

# ---- Working Across Dataset and File Types ----
printf '{"id": 4, "name": "Tom", "age": 2, "city": "Hollywood"}\n{"id": 5, "name": "Simpkin", "age": 12, "city": "Gloucester"}\n' > t.jsonl
"$DC" convert t.jsonl t.parquet >/dev/null 2>&1
check "write a table from JSON Lines" "0" "$(code "$DC" write my_jsonl_table t.jsonl)"
check "write a table from Parquet" "0" "$(code "$DC" write my_parquet_table t.parquet)"
check "both read back the same" "$(csv my_jsonl_table)" "$(csv my_parquet_table)"
"$DC" write my_mixed_format_table data.csv --content-type parquet >/dev/null
"$DC" write my_mixed_format_table data.csv --content-type csv >/dev/null
"$DC" write my_mixed_format_table data.csv --content-type jsonl >/dev/null
check "a table of Parquet, CSV and JSON Lines files reads as one" "9" "$(count my_mixed_format_table)"
check "... its files are of the three types" "csv jsonl parquet" \
  "$(find .deltacat/data -type f -newer t.parquet | sed 's/.*\.//' | sort -u | paste -sd' ')"
"$DC" read my_jsonl_table --format parquet -o back.parquet
check "read out as Parquet, JSON, JSON Lines" "2 yes yes" \
  "$("$DC" show --limit 0 back.parquet | grep -Eo '^[0-9]+') $("$DC" read my_jsonl_table --format json | has '"name": "Simpkin"') $("$DC" read my_jsonl_table --format jsonl | has '"name":"Tom"')"

# ---- Namespaces ----
printf 'user_id,name\n1,Cheshire\n2,Dinah\n3,Felix\n' > user_data.csv
printf 'product_id,name,price\n101,Mushrooms,12.99\n102,Fish,8.99\n103,Milk,3.99\n' > product_data.csv
printf 'order_id,user_id,product_id,quantity\n1001,1,101,2\n1002,2,102,1\n1003,3,103,2\n' > order_data.csv
printf 'user_id,segment,acquisition_channel\n1,premium,social\n2,standard,search\n3,premium,referral\n' > marketing.csv
printf 'user_id,lifetime_payments,preferred_payment_method\n1,25.98,credit\n2,8.99,cash\n3,7.98,paypal\n' > finance.csv
for ns in identity inventory sales; do "$DC" namespace create "$ns"; done
"$DC" write -n identity users user_data.csv >/dev/null
"$DC" write -n inventory catalog product_data.csv >/dev/null
"$DC" write -n sales transactions order_data.csv >/dev/null
check "read from a namespace" "101,Mushrooms,12.99|102,Fish,8.99|103,Milk,3.99" "$(csv -n inventory catalog)"
"$DC" namespace create marketing && "$DC" write -n marketing users marketing.csv >/dev/null
"$DC" namespace create finance && "$DC" write -n finance users finance.csv >/dev/null
check "same table name, different schemas per namespace" "user_id,segment,acquisition_channel|user_id,lifetime_payments,preferred_payment_method" \
  "$("$DC" read -n marketing users --format csv | head -1)|$("$DC" read -n finance users --format csv | head -1)"
check "namespace list" "default finance identity inventory marketing sales" \
  "$("$DC" namespace list --json | grep -o '"name":"[a-z]*"' | cut -d'"' -f4 | paste -sd' ')"

# ---- Data Lake Level Transactions (txn) ----
mkdir -p "$work/tx" && cd "$work/tx"
cp ../app/product_data.csv ../app/user_data.csv ../app/order_data.csv .
printf 'user_id,preferred_payment_method\n1,credit\n2,cash\n3,paypal\n' > initial_finance.csv
T=(--root "$work/tx/lake")
"$DC" write "${T[@]}" -n inventory catalog product_data.csv >/dev/null
cat > users_and_finance.json <<'JSON'
[{"op": "create_namespace", "namespace": "identity"},
 {"op": "write", "namespace": "identity", "table": "users", "file": "user_data.csv"},
 {"op": "create_namespace", "namespace": "finance"},
 {"op": "create_table", "namespace": "finance", "table": "users",
  "schema": {"fields": [{"name": "user_id", "type": "int64", "nullable": false},
                        {"name": "lifetime_payments", "type": "double",
                         "metadata": {"deltacat.future_default": "0.0"}},
                        {"name": "preferred_payment_method", "type": "string"}]}},
 {"op": "write", "namespace": "finance", "table": "users", "file": "initial_finance.csv"}]
JSON
check "users and finance in one transaction" "committed 5 operations as catalog version 2" \
  "$("$DC" txn "${T[@]}" users_and_finance.json | head -1)"
check "lifetime payments default to 0.0" "1,0.0,credit|2,0.0,cash|3,0.0,paypal" "$(csv "${T[@]}" -n finance users)"
cat > orders_fail.json <<'JSON'
[{"op": "create_namespace", "namespace": "sales"},
 {"op": "write", "namespace": "sales", "table": "transactions", "file": "order_data.csv"},
 {"op": "create_namespace", "namespace": "finance"}]
JSON
check "a transaction that fails at its last step" "7" "$(code "$DC" txn "${T[@]}" orders_fail.json)"
check "... leaves no orders behind" "3" "$(code "$DC" read "${T[@]}" -n sales transactions)"
check "... and no commit" "2" "$("$DC" history "${T[@]}" --json | grep -o '"version"' | wc -l | tr -d ' ')"

# ---- Data Lake Sharing & Portability: multiple catalogs, list and copy ----
cd "$work/app"
cp -r .deltacat "$work/deltacat_copy" # "zip up your local catalog ... unzip it"
"$DC" catalog add original "$work/app/.deltacat" >/dev/null
"$DC" catalog add copy "$work/deltacat_copy" >/dev/null
check "list dc://original: its namespaces" "default finance identity inventory marketing sales" \
  "$("$DC" list dc://original --json | grep -o '"name":"[a-z]*"' | cut -d'"' -f4 | paste -sd' ')"
check "list dc://copy/default: the same tables" \
  "$("$DC" list dc://original/default --json | grep -o '"name":"[a-z_]*"' | cut -d'"' -f4 | paste -sd' ')" \
  "$("$DC" list dc://copy/default --json | grep -o '"name":"[a-z_]*"' | cut -d'"' -f4 | paste -sd' ')"
"$DC" catalog add prod "$work/prod" --init >/dev/null
check "copy a table between catalogs" "0" "$(code "$DC" copy dc://original/default/users dc://prod/default/local_users)"
check "read the copy back by catalog" "$(csv --catalog original users)" "$(csv --catalog prod local_users)"
check "copy a namespace: no tables by default" "0 0" \
  "$(code "$DC" copy dc://original/default dc://prod/myspace) $("$DC" list dc://prod/myspace --json | grep -c '"type":"table"')"
check "copy every table of default with **" "0" "$(code "$DC" copy 'dc://original/default/**' dc://prod/myspace)"
check "... all of them" "$("$DC" list dc://original/default --json | grep -o '"type":"table"' | wc -l | tr -d ' ')" \
  "$("$DC" list dc://prod/myspace --json | grep -o '"type":"table"' | wc -l | tr -d ' ')"
check "copy every namespace with *" "0" "$(code "$DC" copy 'dc://original/*' dc://prod)"
check "the namespaces of prod" "default finance identity inventory marketing myspace sales" \
  "$("$DC" list dc://prod --json | grep -o '"name":"[a-z]*"' | cut -d'"' -f4 | paste -sd' ')"

# ---- Data Lake Level Time Travel, with the transaction history ----
mkdir -p "$work/tt" && cd "$work/tt"
printf 'user_id,name\n1,Cheshire\n2,Dinah\n3,Felix\n' > iu.csv
printf 'product_id,name,price\n101,Mushrooms,12.99\n102,Fish,8.99\n103,Milk,3.99\n' > ip.csv
printf 'order_id,user_id,product_id,quantity\n1001,1,101,2\n1002,2,102,1\n1003,3,103,2\n' > io.csv
printf 'user_id,lifetime_payments\n1,25.98\n2,8.99\n3,7.98\n' > if.csv
printf 'order_id,user_id,product_id,quantity\n1004,1,101,1\n1005,2,102,2\n1006,1,101,3\n1007,4,104,5\n1008,5,105,1\n' > no.csv
printf 'user_id,name\n4,Tom\n5,Simpkin\n' > nu.csv
printf 'product_id,name,price\n104,Tuna,6.99\n105,Salmon,9.99\n' > np.csv
printf 'user_id,lifetime_payments\n1,51.96\n2,26.97\n3,15.96\n4,34.95\n5,9.99\n' > uf.csv
export DELTACAT_ROOT="$work/tt/lake"
"$DC" txn -m "Initial data load: users, products, orders, and finance" - >/dev/null <<'JSON'
[{"op": "write", "namespace": "identity", "table": "users", "file": "iu.csv"},
 {"op": "write", "namespace": "inventory", "table": "catalog", "file": "ip.csv"},
 {"op": "write", "namespace": "sales", "table": "transactions", "file": "io.csv"},
 {"op": "write", "namespace": "finance", "table": "users", "file": "if.csv"}]
JSON
sleep 0.1
"$DC" txn -m "Add new users and products, update finance totals" - >/dev/null <<'JSON'
[{"op": "write", "namespace": "identity", "table": "users", "file": "nu.csv"},
 {"op": "write", "namespace": "inventory", "table": "catalog", "file": "np.csv"},
 {"op": "write", "namespace": "sales", "table": "transactions", "file": "no.csv"},
 {"op": "write", "namespace": "finance", "table": "users", "file": "uf.csv", "mode": "replace"}]
JSON
hist=$("$DC" history --json)
check "two transactions in the history" "2" "$(grep -o '"version"' <<<"$hist" | wc -l | tr -d ' ')"
entry=$(grep -o '{[^{}]*"message":"Initial data load[^"]*"}' <<<"$hist")
ts=$(grep -o '"timestamp_ns":[0-9]*' <<<"$entry" | cut -d: -f2)
iso=$(grep -o '"time":"[^"]*"' <<<"$entry" | cut -d'"' -f4)
check "current state: 5 users, 8 orders, finance 51.96" "5 8 51.96" \
  "$(count -n identity users) $(count -n sales transactions) $("$DC" read -n finance users --where 'user_id = 1' --columns lifetime_payments --format csv | tail -1)"
check "as of the initial load (its time + 1 ns): no Tom, no Simpkin" "Cheshire|Dinah|Felix" \
  "$("$DC" read -n identity users --as-of "$((ts + 1))" --columns name --format csv | tail -n +2 | paste -sd'|')"
check "... only the original 3 orders" "3" "$(count -n sales transactions --as-of "$((ts + 1))")"
check "... the original payment total" "25.98" \
  "$("$DC" read -n finance users --as-of "$((ts + 1))" --where 'user_id = 1' --columns lifetime_payments --format csv | tail -1)"
check "the same with the ISO-8601 time history prints" "3" "$(count -n sales transactions --as-of "$iso")"
check "and by version" "3" "$(count -n sales transactions --as-of 1)"
unset DELTACAT_ROOT

echo "cli seed000: $((checks - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
