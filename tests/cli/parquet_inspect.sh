#!/usr/bin/env bash
# End-to-end tests of `deltacat inspect` and of reading .parquet with `show` and
# `convert`, on the committed fixture tests/formats/data/parquet/small_nested.parquet
# (written by pyarrow; regenerate with gen.py beside it).
set -uo pipefail
. "${DC_SOURCE_DIR:?}/tests/lib/cli.sh" # DC, work, check, code, finish
SRC=${DC_SOURCE_DIR:?}
fx=$SRC/tests/formats/data/parquet/small_nested.parquet

out=$("$DC" inspect "$fx")
check "inspect exit code" 0 "$(code "$DC" inspect "$fx")"
check "inspect names the writer" "yes" "$(grep -q 'created by:  parquet-cpp-arrow' <<<"$out" && echo yes)"
check "inspect rows" "yes" "$(grep -q 'rows:        40 in 2 row groups' <<<"$out" && echo yes)"
check "inspect schema as read" "yes" "$(grep -q '  m: map<string, int64>' <<<"$out" && echo yes)"
check "inspect parquet schema" "yes" "$(grep -q 'repeated group key_value {' <<<"$out" && echo yes)"
check "inspect column chunk line" "yes" \
  "$(grep -Eq '^ +1  id +int64 +SNAPPY +PLAIN,RLE,RLE_DICTIONARY +15 .* 0  25 \.\. 39$' <<<"$out" && echo yes)"
check "inspect string statistics" "yes" "$(grep -Eq '"s0" \.\. "s6"' <<<"$out" && echo yes)"

"$DC" inspect --json "$fx" > "$work/info.json"
check "inspect --json parses" "ok" "$(python3 - "$work/info.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d['num_rows'] == 40, d['num_rows']
assert len(d['row_groups']) == 2
c = d['row_groups'][1]['columns'][0]
assert c['path'] == 'id' and c['codec'] == 'SNAPPY', c
assert c['statistics'] == {'null_count': 0, 'distinct_count': None, 'min': 25, 'max': 39,
                           'min_exact': True, 'max_exact': True}, c['statistics']
assert d['schema'][2] == {'name': 'l', 'type': 'list<element: int32>', 'nullable': True}
assert 'ARROW:schema' in d['key_value_metadata']
print('ok')
PY
)"

check "show reads parquet" "40 rows" "$("$DC" show -n 0 "$fx")"
"$DC" convert "$fx" "$work/out.jsonl" >/dev/null 2>&1
check "convert to jsonl: row 2" '{"id":2,"s":"s2","l":[2,null],"st":{"a":2,"b":null},"m":{"k":2},"d":0.5}' \
  "$(sed -n 3p "$work/out.jsonl")"
"$DC" convert "$fx" "$work/out.csv" >/dev/null 2>&1
check "convert to csv: header" "id,s,l,st,m,d" "$(head -1 "$work/out.csv")"

head -c 3000 "$fx" > "$work/cut.parquet"
check "truncated file: exit code 5" 5 "$(code "$DC" inspect "$work/cut.parquet")"
check "truncated file: message" "yes" \
  "$(msg=$("$DC" show "$work/cut.parquet" 2>&1); grep -q 'cut.parquet: not a valid Parquet file' <<<"$msg" && echo yes)"
check "missing file: exit code 3" 3 "$(code "$DC" inspect "$work/none.parquet")"
check "inspect usage" 2 "$(code "$DC" inspect)"
check "help inspect" "yes" "$("$DC" help inspect | grep -q 'Usage: deltacat inspect' && echo yes)"

echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]
