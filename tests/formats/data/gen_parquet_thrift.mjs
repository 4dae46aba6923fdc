// gen_parquet_thrift.mjs: regenerate the Parquet metadata fixtures of
// tests/formats/test_parquet_thrift.c and the fuzz seeds of fuzz/corpus/parquet_thrift/.
//
//   node tests/formats/data/gen_parquet_thrift.mjs
//
// DuckDB (tests/oracles, `npm ci --prefix tests/oracles`) writes a small Parquet file;
// this script keeps only its footer (the Thrift FileMetaData between the pages and the
// trailing length + "PAR1") and the first page header, and prints what DuckDB itself
// says about the file (parquet_schema / parquet_metadata) so the test's expectations
// can be checked against it. Run once at test-generation time; the outputs are
// checked in.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const require = createRequire(join(root, 'tests', 'oracles', 'package.json'));
const duckdb = require('@duckdb/node-api');

const tmp = mkdtempSync(join(tmpdir(), 'dc-pq-'));
const file = join(tmp, 'x.parquet');
const instance = await duckdb.DuckDBInstance.create(':memory:');
const conn = await instance.connect();

// 3000 rows in row groups of 2048: two row groups. Every column kind the footer
// describes differently: plain ints, a nullable int, double, strings (dictionary),
// bool, date, timestamp, decimal, and a list (a 3-level nested schema).
await conn.run(`COPY (
    SELECT i::INTEGER AS id,
           (i * 1000)::BIGINT AS big,
           CASE WHEN i % 7 = 0 THEN NULL ELSE i % 100 END::INTEGER AS maybe,
           i / 8.0 AS ratio,
           'name_' || (i % 13) AS name,
           i % 2 = 0 AS even,
           DATE '2024-01-01' + (i % 365)::INTEGER AS day,
           TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i) AS ts,
           (i / 100.0)::DECIMAL(10, 2) AS price,
           [i, i + 1] AS pair
    FROM range(3000) t(i)
) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 2048, KV_METADATA {origin: 'deltacat-test'})`);

const bytes = readFileSync(file);
const n = bytes.length;
if (bytes.subarray(n - 4).toString('latin1') !== 'PAR1') throw new Error('no PAR1 trailer');
const flen = bytes.readUInt32LE(n - 8);
const footer = bytes.subarray(n - 8 - flen, n - 8);
writeFileSync(join(here, 'duckdb_footer.bin'), footer);
// The first page header starts right after the leading "PAR1"; 256 bytes hold it and
// the start of its page (the decoder reports how many bytes the header took).
writeFileSync(join(here, 'duckdb_page_header.bin'), bytes.subarray(4, 4 + 256));

const corpus = join(root, 'fuzz', 'corpus', 'parquet_thrift');
mkdirSync(corpus, { recursive: true });
writeFileSync(join(corpus, 'duckdb_footer'), footer);
writeFileSync(join(corpus, 'duckdb_page_header'), bytes.subarray(4, 4 + 64));

const show = async (sql) => {
  const r = await conn.runAndReadAll(sql);
  for (const row of r.getRowsJson()) console.log(JSON.stringify(row));
};
console.log(`file ${n} bytes, footer ${flen} bytes`);
await show(`SELECT name, type, repetition_type, num_children, converted_type, scale, precision,
                   logical_type FROM parquet_schema('${file}')`);
await show(`SELECT row_group_id, row_group_num_rows, column_id, path_in_schema, type, compression,
                   num_values, data_page_offset, dictionary_page_offset, encodings,
                   stats_min_value, stats_max_value, stats_null_count
            FROM parquet_metadata('${file}')`);
await show(`SELECT * FROM parquet_file_metadata('${file}')`);
await show(`SELECT * FROM parquet_kv_metadata('${file}')`);
rmSync(tmp, { recursive: true, force: true });
