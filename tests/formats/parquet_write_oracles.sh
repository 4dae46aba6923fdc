#!/usr/bin/env bash
# parquet_write_oracles.sh: every Parquet file our writer produces is read by three
# outside readers and must give identical values.
#
#  1. test_formats_parquet_write --write-matrix writes the matrix (flat types incl.
#     dictionary, nested types with nulls at every level, sliced batches over several
#     row groups; x 5 codecs x dictionary/plain/fallback x data page v1/v2; plus a
#     300k-row file) with NAME.expected.jsonl holding the values in a canonical form.
#  2. pyarrow (the reference implementation) reads each file; its values, normalised
#     the same way, must equal the expected ones; its metadata must show the
#     statistics, the encodings asked for, the codec and the page index. pyarrow then
#     writes the table it read to NAME.ref.parquet.
#  3. DuckDB reads ours and pyarrow's rewrite: EXCEPT ALL both ways must be empty and
#     the row counts equal.
#  4. hyparquet (a JavaScript reader) reads ours and pyarrow's rewrite: same values.
# Needs build/venv (scripts/bootstrap.sh) and tests/oracles/node_modules (npm install).
set -euo pipefail
SRC=${DC_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${DC_BINARY_DIR:?DC_BINARY_DIR names the build folder}
GEN=$BIN/tests/test_formats_parquet_write
PY=$SRC/build/venv/bin/python
ORACLES=$SRC/tests/oracles
for need in "$GEN" "$PY" "$ORACLES/node_modules/hyparquet/package.json" \
            "$ORACLES/node_modules/@duckdb/node-api/package.json"; do
  [ -e "$need" ] || { echo "parquet_write_oracles: missing $need (run scripts/bootstrap.sh)" >&2; exit 1; }
done
DIR=$(mktemp -d /tmp/dc-pqw-XXXXXX)
trap 'rm -rf "$DIR"' EXIT

"$GEN" --write-matrix "$DIR"
n=$(ls "$DIR"/*.parquet | wc -l)
echo "parquet_write_oracles: $n files written"

# ---- pyarrow -------------------------------------------------------------------------
"$PY" - "$DIR" <<'PYEOF'
import decimal, glob, json, math, os, sys
import pyarrow as pa, pyarrow.parquet as pq

d = sys.argv[1]

def canon_type(t):
    if pa.types.is_dictionary(t):
        return canon_type(t.value_type)
    if pa.types.is_timestamp(t) or pa.types.is_time64(t) or pa.types.is_duration(t) or pa.types.is_date64(t):
        return pa.int64()
    if pa.types.is_time32(t) or pa.types.is_date32(t):
        return pa.int32()
    if pa.types.is_float16(t):
        return pa.float32()
    if pa.types.is_large_list(t):
        return pa.large_list(pa.field(t.value_field.name, canon_type(t.value_type)))
    if pa.types.is_fixed_size_list(t):
        return pa.list_(pa.field(t.value_field.name, canon_type(t.value_type)), t.list_size)
    if pa.types.is_map(t):
        return t
    if pa.types.is_list(t):
        return pa.list_(pa.field(t.value_field.name, canon_type(t.value_type)))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, canon_type(f.type), f.nullable) for f in t])
    return t

def norm(v, t):
    if v is None:
        return None
    if pa.types.is_floating(t):
        return 'NaN' if math.isnan(v) else ('Infinity' if v == math.inf else ('-Infinity' if v == -math.inf else float(v)))
    if pa.types.is_decimal(t):
        return decimal.Decimal(v)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return v.hex()
    if pa.types.is_map(t):
        return [[norm(k, t.key_type), norm(x, t.item_type)] for k, x in v]
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return [norm(x, t.value_type) for x in v]
    if pa.types.is_struct(t):
        return {f.name: norm(v.get(f.name), f.type) for f in t}
    return v

def expect(v, t):
    if v is None:
        return None
    if pa.types.is_floating(t):
        return v if isinstance(v, str) else float(v)
    if pa.types.is_decimal(t):
        return decimal.Decimal(v)
    if pa.types.is_map(t):
        return [[expect(k, t.key_type), expect(x, t.item_type)] for k, x in v]
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return [expect(x, t.value_type) for x in v]
    if pa.types.is_struct(t):
        return {f.name: expect(v.get(f.name), f.type) for f in t}
    return v

bad = 0
files = sorted(glob.glob(os.path.join(d, '*.parquet')))
for path in files:
    if path.endswith('.ref.parquet'):
        continue
    name = os.path.basename(path)[:-8]
    table = pq.read_table(path)
    rows = [json.loads(l) for l in open(os.path.join(d, name + '.expected.jsonl'))]
    if table.num_rows != len(rows):
        print(f'{name}: pyarrow reads {table.num_rows} rows, expected {len(rows)}'); bad += 1; continue
    for col in table.column_names:
        arr = table.column(col)
        ct = canon_type(arr.type)
        if ct != arr.type:
            arr = arr.cast(ct)
        got = [norm(v, ct) for v in arr.to_pylist()]
        want = [expect(r[col], ct) for r in rows]
        if got != want:
            for i, (g, w) in enumerate(zip(got, want)):
                if g != w:
                    print(f'{name}: column {col} row {i}: pyarrow reads {g!r}, expected {w!r}')
                    break
            bad += 1
    md = pq.ParquetFile(path).metadata
    codec = name.split('_')[1] if not name.startswith('big') else 'snappy'
    want_codec = {'snappy': 'SNAPPY', 'zstd': 'ZSTD', 'gzip': 'GZIP', 'lz4': 'LZ4', 'none': 'UNCOMPRESSED'}[codec]
    enc = name.split('_')[2] if not name.startswith('big') else 'dict'
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        for j in range(rg.num_columns):
            c = rg.column(j)
            where = f'{name}: row group {g} column {c.path_in_schema}'
            if c.compression != want_codec:
                print(f'{where}: codec {c.compression}, expected {want_codec}'); bad += 1
            if not c.has_offset_index:
                print(f'{where}: no offset index'); bad += 1
            if c.physical_type != 'INT32' or 'nul' not in c.path_in_schema:
                if not c.is_stats_set or c.statistics is None or not c.statistics.has_null_count:
                    print(f'{where}: no statistics'); bad += 1
            encs = set(c.encodings)
            if c.physical_type != 'BOOLEAN' and c.path_in_schema != 'nul':
                if enc == 'plain' and 'RLE_DICTIONARY' in encs:
                    print(f'{where}: dictionary-encoded though asked plain: {encs}'); bad += 1
                # big_ints: the dictionary of row group 0 saves nothing on a first page of
                # 20000 values; the next row groups (up to 7) do not try one
                rests = name == 'big_ints' and g > 0
                if enc == 'dict' and c.statistics.has_min_max and 'RLE_DICTIONARY' not in encs and not rests:
                    print(f'{where}: not dictionary-encoded: {encs}'); bad += 1
                if rests and 'RLE_DICTIONARY' in encs:
                    print(f'{where}: tried a dictionary after one that saved nothing: {encs}'); bad += 1
    if name == 'big_ints':
        c = md.row_group(0).column(0)
        if md.num_row_groups != 3 or not ({'PLAIN', 'RLE_DICTIONARY'} <= set(c.encodings)):
            print(f'{name}: expected 3 row groups and a dictionary fallback: {md.num_row_groups} {c.encodings}'); bad += 1
        if not c.has_column_index or c.statistics.min != 0 or c.statistics.max > 1000002:
            print(f'{name}: statistics/column index wrong: {c.statistics}'); bad += 1
    pq.write_table(table, os.path.join(d, name + '.ref.parquet'))
print(f'pyarrow: {len(files)} files checked, {bad} problems')
sys.exit(1 if bad else 0)
PYEOF

# ---- DuckDB and hyparquet --------------------------------------------------------------
cat > "$DIR/check.mjs" <<'JSEOF'
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [dir, oracles] = process.argv.slice(2);
const duckdb = createRequire(join(oracles, 'package.json'))('@duckdb/node-api');
const hp = await import(pathToFileURL(join(oracles, 'node_modules/hyparquet/src/node.js')));
const { compressors } = await import(pathToFileURL(join(oracles, 'node_modules/hyparquet-compressors/src/index.js')));
const db = await duckdb.DuckDBInstance.create(':memory:');
const con = await db.connect();
let bad = 0, n = 0;
const replacer = (k, v) => typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex')
  : v instanceof Date ? v.toISOString() : (typeof v === 'number' && isNaN(v)) ? 'NaN' : v;
async function hyread(path) {
  const file = await hp.asyncBufferFromFile(path);
  return JSON.stringify(await hp.parquetReadObjects({ file, compressors }), replacer);
}
for (const f of readdirSync(dir).filter(f => f.endsWith('.parquet') && !f.endsWith('.ref.parquet')).sort()) {
  n++;
  const ours = join(dir, f), ref = ours.replace(/\.parquet$/, '.ref.parquet');
  const q = `SELECT (SELECT count(*) FROM read_parquet('${ours}')) AS n1, (SELECT count(*) FROM read_parquet('${ref}')) AS n2,
    (SELECT count(*) FROM (SELECT * FROM read_parquet('${ours}') EXCEPT ALL SELECT * FROM read_parquet('${ref}'))) AS a,
    (SELECT count(*) FROM (SELECT * FROM read_parquet('${ref}') EXCEPT ALL SELECT * FROM read_parquet('${ours}'))) AS b`;
  try {
    const r = (await (await con.runAndReadAll(q)).getRowObjects())[0];
    if (r.n1 !== r.n2 || r.a !== 0n || r.b !== 0n) {
      bad++;
      console.log(`${f}: DuckDB reads ${r.n1} rows (pyarrow's copy ${r.n2}), ${r.a} rows only in ours, ${r.b} only in pyarrow's`);
    }
  } catch (e) { bad++; console.log(`${f}: DuckDB fails: ${e.message}`); }
  try {
    const a = await hyread(ours), b = await hyread(ref);
    if (a !== b) { bad++; console.log(`${f}: hyparquet reads\n  ${a.slice(0, 600)}\n but pyarrow's copy\n  ${b.slice(0, 600)}`); }
  } catch (e) { bad++; console.log(`${f}: hyparquet fails: ${e.message}`); }
}
console.log(`duckdb + hyparquet: ${n} files checked, ${bad} problems`);
process.exit(bad ? 1 : 0);
JSEOF
node "$DIR/check.mjs" "$DIR" "$ORACLES"
echo "parquet_write_oracles: ok"
