// The yardstick of the side-by-side billing benchmark (make bench-duckdb):
// DuckDB sums BilledCost and EffectiveCost exactly, as DECIMAL(38,10),
// grouped by the cloudspace tag and the billing period, over a FOCUS export
// in CSV (read_csv, the Tags JSON read with json_extract_string) or Parquet
// (read_parquet, the Tags map read by key), on 2 threads.
//
//   node test/bench/duckdb.mjs [--modules DIR] [--tag-key KEY] FILE
//
// DIR is where npm installed @duckdb/node-api (default
// _output/bench/duckdb/node_modules). Prints one JSON object: the rows read
// and one group per tag value and period, money as exact decimal strings.
import { createRequire } from 'node:module';
import { openSync, readSync, closeSync } from 'node:fs';
import { resolve } from 'node:path';

const args = process.argv.slice(2);
let modules = '_output/bench/duckdb/node_modules';
let tagKey = 'cloudspace';
let threads = '2';
const files = [];
for (let i = 0; i < args.length; i++) {
  switch (args[i]) {
    case '--modules': modules = args[++i]; break;
    case '--tag-key': tagKey = args[++i]; break;
    case '--threads': threads = args[++i]; break;
    default: files.push(args[i]);
  }
}
if (files.length !== 1 || !/^[A-Za-z0-9_:.-]+$/.test(tagKey) || !/^[0-9]+$/.test(threads)) {
  console.error('usage: node duckdb.mjs [--modules DIR] [--tag-key KEY] [--threads N] FILE');
  process.exit(2);
}
const file = resolve(files[0]);
const require = createRequire(resolve(modules) + '/');
const { DuckDBInstance } = require('@duckdb/node-api');

function isParquet(path) {
  const fd = openSync(path, 'r');
  const b = Buffer.alloc(4);
  readSync(fd, b, 0, 4, 0);
  closeSync(fd);
  return b.toString('latin1') === 'PAR1';
}

const lit = (s) => "'" + s.replaceAll("'", "''") + "'";
let source;
let space;
let period;
let billed = 'BilledCost';
let effective = 'EffectiveCost';
if (isParquet(file)) {
  // AWS writes money as DOUBLE: each value is cast to the exact decimal it
  // stands for before summing.
  source = `read_parquet(${lit(file)})`;
  space = `Tags[${lit(tagKey)}]`;
  period = `strftime(BillingPeriodStart::TIMESTAMP, '%Y-%m')`;
  billed = 'CAST(BilledCost AS DECIMAL(38,10))';
  effective = 'CAST(EffectiveCost AS DECIMAL(38,10))';
} else {
  source = `read_csv(${lit(file)}, header = true, types = {'BilledCost': 'DECIMAL(38,10)', 'EffectiveCost': 'DECIMAL(38,10)', 'Tags': 'VARCHAR', 'BillingPeriodStart': 'VARCHAR'})`;
  space = `json_extract_string(Tags, ${lit('$."' + tagKey + '"')})`;
  period = 'left(BillingPeriodStart, 7)';
}
const sql = `SELECT ${space} AS space, ${period} AS period,
  CAST(sum(${billed}) AS VARCHAR) AS billed, CAST(sum(${effective}) AS VARCHAR) AS effective, count(*) AS n
FROM ${source} GROUP BY ALL ORDER BY ALL`;

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
await conn.run(`SET threads = ${threads}`);
const reader = await conn.runAndReadAll(sql);
const groups = [];
let rows = 0;
for (const r of reader.getRowObjectsJS()) {
  rows += Number(r.n);
  groups.push({ space: r.space ?? '', period: r.period, billedCost: r.billed, effectiveCost: r.effective, rows: Number(r.n) });
}
process.stdout.write(JSON.stringify({ engine: 'duckdb', rows, groups }) + '\n');
