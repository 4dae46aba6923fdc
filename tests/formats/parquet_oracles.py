"""parquet_oracles.py: files written by pyarrow and DuckDB, read by deltacat.

Usage: parquet_oracles.py DELTACAT_BIN SOURCE_DIR WORKDIR

Writes each file into WORKDIR, converts it to JSON Lines with `deltacat
convert`, and compares every value with what pyarrow (the reference reader)
reads from the same file. Values are compared in a canonical form driven by
the Arrow type: temporal values as integers in their unit, decimals exactly,
binary as bytes, maps as dicts. Prints one line per file; exits 1 on the
first difference (naming file, row and column).
"""
import base64
import datetime
import decimal
import json
import os
import subprocess
import sys
import uuid

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DC, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
EPOCH = datetime.date(1970, 1, 1).toordinal()
UNIT_DIGITS = {'s': 0, 'ms': 3, 'us': 6, 'ns': 9}


def storage_type(t):
    """The type pyarrow casts to so that temporal values come out as integers."""
    if isinstance(t, pa.BaseExtensionType):
        return storage_type(t.storage_type)
    if pa.types.is_timestamp(t) or pa.types.is_time64(t) or pa.types.is_date64(t):
        return pa.int64()
    if pa.types.is_time32(t) or pa.types.is_date32(t):
        return pa.int32()
    if pa.types.is_large_string(t):
        return pa.string()
    if pa.types.is_large_binary(t):
        return pa.binary()
    if pa.types.is_map(t):
        return pa.map_(storage_type(t.key_type), storage_type(t.item_type))
    if pa.types.is_large_list(t) or pa.types.is_list(t):
        return pa.list_(pa.field(t.value_field.name, storage_type(t.value_type)))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, storage_type(f.type), f.nullable) for f in t])
    return t


def frac(text, digits):
    if '.' in text:
        whole, f = text.split('.')
    else:
        whole, f = text, ''
    f = (f + '0' * digits)[:digits] if digits else ''
    return whole, int(f) if f else 0


def ours_to_canon(v, t):
    """Our JSON value of Arrow type t -> the canonical form."""
    if v is None:
        return None
    if isinstance(t, pa.BaseExtensionType):
        return ours_to_canon(v, t.storage_type)
    if pa.types.is_date32(t):
        return datetime.date.fromisoformat(v).toordinal() - EPOCH
    if pa.types.is_time32(t) or pa.types.is_time64(t):
        d = UNIT_DIGITS[t.unit]
        whole, f = frac(v, d)
        h, m, s = (int(x) for x in whole.split(':'))
        return ((h * 60 + m) * 60 + s) * 10 ** d + f
    if pa.types.is_timestamp(t):
        d = UNIT_DIGITS[t.unit]
        v = v.rstrip('Z')
        date, time = v.split(' ') if ' ' in v else v.split('T')
        whole, f = frac(time, d)
        h, m, s = (int(x) for x in whole.split(':'))
        days = datetime.date.fromisoformat(date).toordinal() - EPOCH
        return ((days * 24 + h) * 60 + m) * 60 * 10 ** d + s * 10 ** d + f
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return base64.b64decode(v)
    if pa.types.is_decimal(t):
        return decimal.Decimal(str(v))
    if pa.types.is_floating(t):
        return narrow(float(v), t)
    if pa.types.is_map(t):
        return {str(k): ours_to_canon(x, t.item_type) for k, x in v.items()}
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return [ours_to_canon(x, t.value_type) for x in v]
    if pa.types.is_struct(t):
        return {f.name: ours_to_canon(v.get(f.name), f.type) for f in t}
    return v


def theirs_to_canon(v, t):
    if v is None:
        return None
    if isinstance(t, pa.BaseExtensionType):
        return theirs_to_canon(v, t.storage_type)
    if pa.types.is_map(t):
        return {str(k): theirs_to_canon(x, t.item_type) for k, x in v}
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return [theirs_to_canon(x, t.value_type) for x in v]
    if pa.types.is_struct(t):
        return {f.name: theirs_to_canon(v.get(f.name), f.type) for f in t}
    if pa.types.is_decimal(t):
        return decimal.Decimal(v)
    if pa.types.is_floating(t):
        return narrow(float(v), t)
    return v


def narrow(x, t):
    if pa.types.is_float32(t):
        return float(np.float32(x))
    if pa.types.is_float16(t):
        return float(np.float16(x))
    return x


def same(a, b):
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def check(path, columns=None):
    out = path + '.jsonl'
    r = subprocess.run([DC, 'convert', path, out], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f'FAIL {path}: deltacat convert failed: {r.stderr.strip()}')
    table = pq.read_table(path)
    ours = []
    with open(out) as f:
        for line in f:
            ours.append(json.loads(line, parse_float=decimal.Decimal))
    if len(ours) != table.num_rows:
        sys.exit(f'FAIL {path}: {len(ours)} rows, pyarrow reads {table.num_rows}')
    for name in table.column_names:
        t = table.schema.field(name).type
        col = table.column(name)
        if isinstance(t, pa.BaseExtensionType):
            col = pa.chunked_array([c.storage for c in col.chunks], t.storage_type)
        try:
            theirs = col.cast(storage_type(t)).to_pylist()
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
            theirs = col.to_pylist()
        for i, row in enumerate(ours):
            a = ours_to_canon(row.get(name), t)
            b = theirs_to_canon(theirs[i], t)
            if not same(a, b):
                sys.exit(f'FAIL {path}: row {i} column {name} ({t}): deltacat {a!r}, pyarrow {b!r}')
    os.unlink(out)
    print(f'ok {os.path.basename(path)}: {table.num_rows} rows, {table.num_columns} columns')


def P(name):
    return os.path.join(WORK, name)


# ---- data ------------------------------------------------------------------------

N = 3000


def maybe(i, v, every=7):
    return None if i % every == 3 else v


def flat_table(n=N):
    return pa.table({
        'i8': pa.array([maybe(i, (i % 250) - 125) for i in range(n)], pa.int8()),
        'u8': pa.array([maybe(i, i % 256) for i in range(n)], pa.uint8()),
        'i16': pa.array([maybe(i, i * 7 - 30000) for i in range(n)], pa.int16()),
        'u16': pa.array([maybe(i, i * 13 % 65536) for i in range(n)], pa.uint16()),
        'i32': pa.array([maybe(i, i * 100003 - 2**30) for i in range(n)], pa.int32()),
        'u32': pa.array([maybe(i, (i * 2654435761) % 2**32) for i in range(n)], pa.uint32()),
        'i64': pa.array([maybe(i, i * 10**12 - 2**62) for i in range(n)], pa.int64()),
        'u64': pa.array([maybe(i, (i * 11400714819323198485) % 2**64) for i in range(n)],
                        pa.uint64()),
        'req': pa.array([i for i in range(n)], pa.int64()),
        'f32': pa.array([maybe(i, i / 8.0 - 100) for i in range(n)], pa.float32()),
        'f64': pa.array([maybe(i, i * 1.1e-3 - 1.5) for i in range(n)], pa.float64()),
        'f16': pa.array([maybe(i, float(i % 100) / 4) for i in range(n)], pa.float16()),
        'b': pa.array([maybe(i, i % 3 == 0) for i in range(n)], pa.bool_()),
        's': pa.array([maybe(i, f'v{i % 97}-é{"x" * (i % 13)}') for i in range(n)]),
        'lowcard': pa.array([maybe(i, ['red', 'green', 'blue'][i % 3], 11) for i in range(n)]),
        'bin': pa.array([maybe(i, bytes([i % 256, (i * 3) % 256]) * (i % 5)) for i in range(n)],
                        pa.binary()),
        'fsb': pa.array([maybe(i, bytes([i % 256] * 5)) for i in range(n)], pa.binary(5)),
        'date': pa.array([maybe(i, i * 37 - 40000) for i in range(n)], pa.date32()),
        't_ms': pa.array([maybe(i, i * 1000 + 7) for i in range(n)], pa.time32('ms')),
        't_us': pa.array([maybe(i, i * 10**6 + 7) for i in range(n)], pa.time64('us')),
        't_ns': pa.array([maybe(i, i * 10**9 + 7) for i in range(n)], pa.time64('ns')),
        'ts_ms': pa.array([maybe(i, i * 86400007 - 10**12) for i in range(n)],
                          pa.timestamp('ms')),
        'ts_us_utc': pa.array([maybe(i, i * 86400000007) for i in range(n)],
                              pa.timestamp('us', tz='UTC')),
        'ts_ns': pa.array([maybe(i, i * 86400000000007) for i in range(n)], pa.timestamp('ns')),
        'ts_ns_utc': pa.array([maybe(i, -i * 3600000000007) for i in range(n)],
                              pa.timestamp('ns', tz='UTC')),
        'dec5': pa.array([maybe(i, decimal.Decimal(i - 1500) / 100) for i in range(n)],
                         pa.decimal128(5, 2)),
        'dec18': pa.array([maybe(i, decimal.Decimal(i * 10**10 - 7) / 1000) for i in range(n)],
                          pa.decimal128(18, 3)),
        'dec38': pa.array([maybe(i, decimal.Decimal(i * 10**30 - 7) / 10**9) for i in range(n)],
                          pa.decimal128(38, 9)),
        'dec60': pa.array([maybe(i, decimal.Decimal(i * 10**50 - 7)) for i in range(n)],
                          pa.decimal256(60, 0)),
        'uuid': pa.array([maybe(i, uuid.UUID(int=i * 2**100 + i).bytes) for i in range(n)],
                         pa.uuid()),
        'json': pa.array([maybe(i, json.dumps({'k': i})) for i in range(n)], pa.json_()),
        'allnull': pa.array([None] * n, pa.int32()),
        'nulltype': pa.array([None] * n, pa.null()),
    })


def nested_table(n=N):
    def lst(i):
        if i % 9 == 4:
            return None
        return [maybe(j, i + j, 5) for j in range(i % 4)]

    def st(i):
        if i % 8 == 5:
            return None
        return {'x': maybe(i, i), 'y': maybe(i + 1, f'y{i}'), 'z': {'w': maybe(i, i * 2, 3)}}

    def lol(i):
        if i % 10 == 1:
            return None
        return [None if (i + j) % 6 == 0 else [maybe(k, k * i, 4) for k in range((i + j) % 3)]
                for j in range(i % 3)]

    def los(i):
        if i % 7 == 2:
            return None
        return [None if j == 1 else {'a': maybe(j, j), 'b': [f's{j}'] * (j % 2)}
                for j in range(i % 4)]

    def mp(i):
        if i % 6 == 1:
            return None
        return [(f'k{j}', maybe(j + i, j * i, 4)) for j in range(i % 3)]

    return pa.table({
        'id': pa.array(range(n), pa.int64()),
        'list': pa.array([lst(i) for i in range(n)], pa.list_(pa.int64())),
        'list_str': pa.array([None if i % 5 == 0 else [f'e{i}'] * (i % 3) for i in range(n)],
                             pa.list_(pa.string())),
        'struct': pa.array([st(i) for i in range(n)],
                           pa.struct([('x', pa.int32()), ('y', pa.string()),
                                      ('z', pa.struct([('w', pa.int64())]))])),
        'list_list': pa.array([lol(i) for i in range(n)], pa.list_(pa.list_(pa.int32()))),
        'list_struct': pa.array([los(i) for i in range(n)],
                                pa.list_(pa.struct([('a', pa.int32()),
                                                    ('b', pa.list_(pa.string()))]))),
        'map': pa.array([mp(i) for i in range(n)], pa.map_(pa.string(), pa.int64())),
        'req_list': pa.array([[i] * (i % 3) for i in range(n)],
                             pa.list_(pa.field('item', pa.int32(), nullable=False))),
        'list_ts': pa.array([None if i % 4 == 0 else [i * 1000, None] for i in range(n)],
                            pa.list_(pa.timestamp('us'))),
    })


def main():
    flat, nested = flat_table(), nested_table()
    files = []

    def w(name, table, **kw):
        pq.write_table(table, P(name), **kw)
        files.append(P(name))

    w('flat_default.parquet', flat)
    w('flat_plain_v2.parquet', flat, use_dictionary=False, data_page_version='2.0',
      compression='zstd')
    w('flat_small_pages.parquet', flat, data_page_size=512, row_group_size=700,
      write_page_checksum=True)
    w('flat_crc_v2.parquet', flat, data_page_version='2.0', write_page_checksum=True,
      data_page_size=2048)
    for codec in ['NONE', 'SNAPPY', 'GZIP', 'BROTLI', 'LZ4', 'ZSTD']:
        w(f'flat_{codec.lower()}.parquet', flat, compression=codec)
    ints = [c for c in flat.column_names if c[0] in 'iu' and c not in ('uuid',)] + ['date',
                                                                                    't_ms', 't_us']
    w('delta_binary_packed.parquet', flat.select(ints + ['req', 'ts_ns']), use_dictionary=False,
      column_encoding={c: 'DELTA_BINARY_PACKED' for c in ints + ['req', 'ts_ns']})
    w('delta_binary_packed_v2.parquet', flat.select(['i32', 'i64', 'req']), use_dictionary=False,
      data_page_version='2.0', data_page_size=1000,
      column_encoding={c: 'DELTA_BINARY_PACKED' for c in ['i32', 'i64', 'req']})
    w('delta_length.parquet', flat.select(['s', 'bin', 'json']), use_dictionary=False,
      column_encoding={c: 'DELTA_LENGTH_BYTE_ARRAY' for c in ['s', 'bin', 'json']})
    w('delta_byte_array.parquet', flat.select(['s', 'bin', 'fsb', 'uuid', 'dec38']),
      use_dictionary=False, data_page_size=700,
      column_encoding={c: 'DELTA_BYTE_ARRAY' for c in ['s', 'bin', 'fsb', 'uuid', 'dec38']})
    bss = ['f32', 'f64', 'i32', 'i64', 'fsb', 'f16', 'dec18']
    w('byte_stream_split.parquet', flat.select(bss), use_dictionary=False,
      column_encoding={c: 'BYTE_STREAM_SPLIT' for c in bss})
    w('bool_rle_v2.parquet', flat.select(['b', 'req']), use_dictionary=False,
      data_page_version='2.0', column_encoding={'b': 'RLE'})
    w('int96.parquet', flat.select(['ts_ns', 'ts_us_utc']), use_deprecated_int96_timestamps=True)
    w('nested.parquet', nested)
    w('nested_small_pages.parquet', nested, data_page_size=300, row_group_size=1000,
      write_page_checksum=True)
    w('nested_v2.parquet', nested, data_page_version='2.0', compression='gzip',
      data_page_size=500)
    w('nested_legacy_2level.parquet', nested, use_compliant_nested_type=False)
    w('nested_plain.parquet', nested, use_dictionary=False, compression='lz4')
    w('empty.parquet', flat.slice(0, 0))
    w('empty_nested.parquet', nested.slice(0, 0))
    w('many_row_groups.parquet', flat.select(['req', 's', 'i64']), row_group_size=97)
    w('one_row.parquet', nested.slice(5, 1))

    # DuckDB's writer: its codecs and its nested types
    duck = os.path.join(SRC, 'bench', 'duckdb_run.mjs')
    sel = ("SELECT i::BIGINT AS id, (i*7)::INTEGER AS i32, (i % 100)::TINYINT AS i8, "
           "(i % 200)::UTINYINT AS u8, (i % 60000)::USMALLINT AS u16, i::UINTEGER AS u32, "
           "i::UBIGINT * 1000 AS u64, "
           "CASE WHEN i%5=0 THEN NULL ELSE 'str'||(i%37) END AS s, "
           "i/3.0::DOUBLE AS d, (i/7)::FLOAT AS f, i%2=0 AS b, "
           "DATE '2020-01-01' + (i % 1000)::INTEGER AS dt, "
           "TIMESTAMP '2021-06-01 12:00:00' + to_microseconds(i * 1000003) AS ts, "
           "TIMESTAMPTZ '2021-06-01 12:00:00+00' + to_microseconds(i) AS tstz, "
           "TIME '01:02:03' + to_microseconds(i) AS tm, "
           "(i/100)::DECIMAL(9,2) AS dec9, (i*1000)::DECIMAL(18,4) AS dec18, "
           "(i::HUGEINT*1000000000000)::DECIMAL(38,6) AS dec38, "
           "('00000000-0000-0000-0000-' || lpad(i::VARCHAR, 12, '0'))::UUID AS uu, "
           "CASE WHEN i%4=0 THEN NULL ELSE [i, NULL, i+1] END AS lst, "
           "CASE WHEN i%6=0 THEN NULL ELSE {'a': i, 'b': 'x'||i, 'c': [i::VARCHAR]} END AS st, "
           "CASE WHEN i%3=0 THEN NULL ELSE MAP {'k'||i: i, 'z': NULL} END AS mp, "
           "[[i], [], NULL] AS lol, 'blob'::BLOB AS bl "
           "FROM range(5000) t(i)")
    for codec in ['snappy', 'zstd', 'gzip', 'uncompressed', 'lz4', 'brotli']:
        path = P(f'duckdb_{codec}.parquet')
        sql = f"COPY ({sel}) TO '{path}' (FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE 2048)"
        r = subprocess.run(['node', duck, sql], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f'FAIL duckdb could not write {codec}: {r.stderr.strip()}')
        files.append(path)
    path = P('duckdb_v2.parquet')
    sql = f"COPY ({sel}) TO '{path}' (FORMAT parquet, PARQUET_VERSION v2)"
    r = subprocess.run(['node', duck, sql], capture_output=True, text=True)
    if r.returncode == 0:
        files.append(path)
    else:
        print(f'note: duckdb PARQUET_VERSION v2 not available: {r.stderr.strip()[:200]}')

    for f in files:
        check(f)
    print(f'all {len(files)} files read identically')


main()
