// duckdb_run.mjs: run one SQL statement in an in-memory DuckDB and print how long it took.
//
//   node bench/duckdb_run.mjs [--info] [--result] [--setup SQL]... SQL
//
// Prints "ms <elapsed>" on standard output: the wall time of the statement alone
// (DuckDB is started and connected before the clock starts, and the clock stops once
// every result row has been read), and "cpu_ms <user+system>": the CPU time the whole
// process (DuckDB's threads included) spent during the statement. --info also prints
// "threads <n>" and "version <v>" (DuckDB's own settings, as the benchmark ran with
// them); --result prints the statement's result rows as JSON, one line each
// ("result [...]").
//
// DuckDB comes from tests/oracles (`npm install --prefix tests/oracles`); the package is
// loaded from there by absolute path so this script needs no node_modules of its own.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const oracles = join(root, 'tests', 'oracles');

function usage(code) {
  (code ? process.stderr : process.stdout).write(
    'usage: node bench/duckdb_run.mjs [--info] [--result] SQL\n');
  process.exit(code);
}

let info = false;
let printResult = false;
let sql = null;
const setup = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--setup' && i + 1 < args.length) setup.push(args[++i]); /* run before the clock */
  else if (a === '--info') info = true;
  else if (a === '--result') printResult = true;
  else if (a === '-h' || a === '--help') usage(0);
  else if (sql === null) sql = a;
  else usage(2);
}
if (sql === null) usage(2);

let duckdb;
try {
  duckdb = createRequire(join(oracles, 'package.json'))('@duckdb/node-api');
} catch (e) {
  process.stderr.write(`duckdb_run: cannot load @duckdb/node-api from ${oracles} (${e.message}); ` +
    'run `npm install --prefix tests/oracles` first\n');
  process.exit(1);
}

const instance = await duckdb.DuckDBInstance.create(':memory:');
const conn = await instance.connect();
if (info) {
  const r = await conn.runAndReadAll(
    "SELECT current_setting('threads')::VARCHAR, version()");
  const [threads, version] = r.getRows()[0];
  process.stdout.write(`threads ${threads}\nversion ${version}\n`);
}

for (const stmt of setup) {
  try {
    await conn.run(stmt);
  } catch (e) {
    process.stderr.write(`duckdb_run: the setup statement failed: ${e.message}\n  ${stmt}\n`);
    process.exit(1);
  }
}
let rows;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
try {
  const reader = await conn.runAndReadAll(sql);
  rows = reader.getRowsJson();
} catch (e) {
  process.stderr.write(`duckdb_run: the statement failed: ${e.message}\n  ${sql}\n`);
  process.exit(1);
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(`ms ${ms.toFixed(1)}\ncpu_ms ${cpuMs.toFixed(1)}\n`);
if (printResult) {
  for (const row of rows) process.stdout.write(`result ${JSON.stringify(row)}\n`);
}
conn.closeSync();
instance.closeSync?.();
