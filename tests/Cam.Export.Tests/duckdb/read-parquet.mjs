// Prints a Parquet (or, by its extension, CSV) file as DuckDB reads it, as JSON:
// {"columns": [{name, type}], "rowGroups": n, "rows": [{column: value}]}. Usage: node read-parquet.mjs FILE. Lists come back as arrays, 64-bit integers as numbers, timestamps as
// milliseconds since the epoch, floats as DuckDB holds them (float32 widened to double, exactly).
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
if (!file) {
  console.error('usage: node read-parquet.mjs FILE');
  process.exit(2);
}
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const quoted = `'${file.replaceAll("'", "''")}'`;
const csv = file.endsWith('.csv');
const source = csv ? `read_csv(${quoted}, header = true)` : `read_parquet(${quoted})`;
const describe = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
const columns = describe.getRowObjectsJS().map(r => ({ name: r.column_name, type: r.column_type }));
const reader = await connection.runAndReadAll(`SELECT * FROM ${source}`);
const groups = csv ? 0 : Number((await connection.runAndReadAll(
  `SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata(${quoted})`)).getRowObjectsJS()[0].n);
const plain = v => {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  if (Array.isArray(v)) return v.map(plain);
  return v;
};
const rows = reader.getRowObjectsJS().map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])));
process.stdout.write(JSON.stringify({ columns, rowGroups: groups, rows }));
