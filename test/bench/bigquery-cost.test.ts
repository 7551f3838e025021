// The BigQuery cost figure on a hand-made warehouse: rows of the partitions each scan may read, from the plan.
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionColumns, statementCost } from "../../bench/bigquery-cost.ts";
import type { CompiledGraph } from "../../runner/index.ts";

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let partitioned: Map<string, string>;
const schemas = new Set(["d", "d_raw"]);
const graph: CompiledGraph = { tables: [{ target: { schema: "d", name: "fct" }, fileName: "fct.sqlx", query: "", bigquery: { partitionBy: "day" } }] };

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
  conn = await instance.connect();
  await conn.run("CREATE SCHEMA d; CREATE SCHEMA d_raw");
  // 10 days x 100 rows of raw data (partitioned by window_date), a fact (by day), a small dimension (not partitioned)
  await conn.run("CREATE TABLE d_raw.events AS SELECT DATE '2026-01-01' + CAST(i // 100 AS INTEGER) AS window_date, i % 7 AS k, i AS v FROM range(1000) t(i)");
  await conn.run("CREATE TABLE d.fct AS SELECT window_date AS day, k, v FROM d_raw.events");
  await conn.run("CREATE TABLE d.dim AS SELECT DISTINCT k, 'team ' || k AS team FROM d_raw.events");
  await conn.run("CREATE TABLE d.days AS SELECT DATE '2026-01-09' AS day");
  await conn.run("CREATE VIEW d.stg AS SELECT * FROM d_raw.events QUALIFY ROW_NUMBER() OVER (PARTITION BY window_date, k ORDER BY v DESC) <= 20");
  partitioned = await partitionColumns(conn, graph, "d_raw");
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

const cost = (sql: string, values?: string[]) => statementCost({ conn, counter: conn }, sql, values, partitioned, schemas);

describe("rows in the partitions a statement's scans may read", () => {
  it("knows which tables BigQuery partitions: raw tables by window_date, models by partitionBy", () => {
    expect(partitioned).toEqual(new Map([["d_raw.events", "window_date"], ["d.fct", "day"]]));
  });

  it("counts the partitions a constant filter on the partition column admits, through a view and its window", async () => {
    expect(await cost("SELECT COUNT(*) FROM d.stg WHERE window_date IN ('2026-01-02', '2026-01-05') AND k = 3")).toEqual([
      { table: "d_raw.events", pruning: "(window_date IN ('2026-01-02'::DATE, '2026-01-05'::DATE))", rows: 200 },
    ]);
    const [scan] = await cost("DELETE FROM d.fct WHERE day >= DATE '2026-01-08'");
    expect(scan).toMatchObject({ table: "d.fct", rows: 300 });
  });

  it("counts a whole table when nothing prunes it: no filter, a filter on another column, a table BigQuery does not partition", async () => {
    expect(await cost("CREATE TABLE d.x AS SELECT f.*, team FROM d.fct AS f JOIN d.dim USING (k) WHERE k = 2")).toEqual(
      expect.arrayContaining([{ table: "d.fct", rows: 1000 }, { table: "d.dim", rows: 7 }]),
    );
    // a bound only known while running (the other side of a join) prunes nothing on BigQuery, nor here
    expect(await cost("SELECT COUNT(*) FROM d.fct JOIN d.days USING (day)")).toEqual(expect.arrayContaining([{ table: "d.fct", rows: 1000 }]));
    // DuckDB's own bookkeeping and statements without a query read nothing
    expect(await cost("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?", ["d"])).toEqual([]);
    expect(await cost("BEGIN TRANSACTION")).toEqual([]);
  });

  it("a script variable is a constant of the statement, as BigQuery prunes by it", async () => {
    await conn.run("SET VARIABLE first_day = DATE '2026-01-10'");
    expect(await cost("SET VARIABLE n = (SELECT COUNT(*) FROM d.fct WHERE day >= getvariable('first_day'))")).toEqual([
      { table: "d.fct", pruning: "(day>='2026-01-10'::DATE)", rows: 100 },
    ]);
  });
});
