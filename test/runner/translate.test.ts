import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DuckDBConnection } from "@duckdb/node-api";
import { arrayLiterals, parseScript } from "../../runner/scripting.ts";
import { inlineArrayMembership, rewriteTargets, substituteVariables, translate, translateQuery, TranslationError } from "../../runner/translate.ts";
import { memoryDb, rows } from "./helpers.ts";

let db: Awaited<ReturnType<typeof memoryDb>>;
let conn: DuckDBConnection;
beforeAll(async () => {
  db = await memoryDb();
  conn = db.conn;
});
afterAll(() => db.close());

/** Runs a BigQuery SELECT on DuckDB and returns its single row. */
async function one(bq: string) {
  const result = await rows(conn, translateQuery(bq, { fileName: "definitions/x.sqlx" }));
  return result[0]!;
}

describe("BigQuery -> DuckDB compatibility fixes", () => {
  it("JSON_VALUE returns text, not a quoted JSON value", async () => {
    const r = await one(`SELECT JSON_VALUE(PARSE_JSON('{"a":"x","n":{"m":5}}'), '$.a') AS a, JSON_VALUE(PARSE_JSON('{"n":{"m":5}}'), '$.n.m') AS m`);
    expect(r).toEqual({ a: "x", m: "5" });
    const edge = await one(`SELECT JSON_VALUE(PARSE_JSON('{"o":{"b":1},"n":1.50,"z":null}'), '$.o') AS obj,
      JSON_VALUE(PARSE_JSON('{"n":1.50}'), '$.n') AS num, JSON_VALUE(PARSE_JSON('{"z":null}'), '$.z') AS nul, JSON_VALUE(PARSE_JSON('"s"')) AS top`);
    expect(edge).toEqual({ obj: null, num: "1.5", nul: null, top: "s" });
  });

  it("CONCAT is NULL when any argument is NULL; FORMAT is printf-style", async () => {
    expect(await one(`SELECT CONCAT('a', NULL) AS n, CONCAT('a', 'b', 'c') AS abc, FORMAT('%d-%s', 3, 'x') AS f`)).toEqual({ n: null, abc: "abc", f: "3-x" });
  });

  it("JSON_QUERY_ARRAY and JSON_VALUE_ARRAY work on a JSON column", async () => {
    const r = await one(`SELECT ARRAY_LENGTH(JSON_QUERY_ARRAY(PARSE_JSON('{"xs":[{"k":1},{"k":2}]}'), '$.xs')) AS n,
      JSON_VALUE_ARRAY(PARSE_JSON('{"xs":["a","b"]}'), '$.xs') AS vs`);
    expect(r).toEqual({ n: "2", vs: ["a", "b"] });
  });

  it("SAFE_CAST and SAFE_DIVIDE return NULL instead of failing", async () => {
    expect(await one(`SELECT SAFE_CAST('x' AS INT64) AS c, SAFE_DIVIDE(1, 0) AS d, SAFE_DIVIDE(3, 2) AS e`)).toEqual({ c: null, d: null, e: 1.5 });
  });

  it("NUMERIC, BIGNUMERIC and PARSE_NUMERIC keep 9 decimal places (DECIMAL(38, 9), not DuckDB's (18, 3))", async () => {
    const r = await one(`SELECT CAST('1.123456789' AS NUMERIC) AS a, SAFE_CAST('2.000000001' AS BIGNUMERIC) AS b,
      PARSE_NUMERIC(' 12.5 ') AS c, ROUND(CAST('1.23456' AS NUMERIC), 4) AS d`);
    expect(r).toEqual({ a: "1.123456789", b: "2.000000001", c: "12.500000000", d: "1.2346" });
    const t = await rows(conn, `SELECT typeof(${translateQuery("SELECT CAST('1' AS NUMERIC)").slice("SELECT ".length)}) AS t`);
    expect(t[0]!.t).toBe("DECIMAL(38,9)");
  });

  it("TIMESTAMP_MILLIS and DATE() give UTC values", async () => {
    expect(await one(`SELECT CAST(TIMESTAMP_MILLIS(1704067200000) AS STRING) AS ts, DATE(TIMESTAMP_MILLIS(1704153599000)) AS d`)).toEqual({
      ts: "2024-01-01 00:00:00",
      d: "2024-01-01",
    });
  });

  it("DATE_TRUNC returns a DATE and honours BigQuery week starts", async () => {
    const r = await one(`SELECT DATE_TRUNC(DATE '2024-01-17', MONTH) AS m, DATE_TRUNC(DATE '2024-01-17', WEEK) AS w,
      DATE_TRUNC(DATE '2024-01-17', WEEK(MONDAY)) AS wm, DATE_TRUNC(DATE '2024-01-14', ISOWEEK) AS iw, DATE_TRUNC(DATE '2024-05-17', YEAR) AS y`);
    expect(r).toEqual({ m: "2024-01-01", w: "2024-01-14", wm: "2024-01-15", iw: "2024-01-08", y: "2024-01-01" });
    const t = await one(`SELECT DATE_TRUNC(DATE '2024-01-17', MONTH) AS m`);
    expect(typeof t.m).toBe("string");
  });

  it("DATE_ADD / DATE_SUB stay DATEs; DATE_DIFF, LAST_DAY, GENERATE_DATE_ARRAY match BigQuery", async () => {
    const r = await one(`SELECT DATE_ADD(DATE '2024-01-31', INTERVAL 1 DAY) AS a, DATE_SUB(DATE '2024-03-01', INTERVAL 1 MONTH) AS s,
      DATE_DIFF(DATE '2024-03-01', DATE '2024-02-01', DAY) AS diff, LAST_DAY(DATE '2024-02-10') AS last,
      ARRAY_LENGTH(GENERATE_DATE_ARRAY(DATE '2024-01-01', DATE '2024-01-05')) AS n,
      (SELECT MAX(d) FROM UNNEST(GENERATE_DATE_ARRAY('2024-01-01', '2024-01-29', INTERVAL 1 WEEK)) AS d) AS last_week`);
    expect(r).toEqual({ a: "2024-02-01", s: "2024-02-01", diff: "29", last: "2024-02-29", n: "5", last_week: "2024-01-29" });
  });

  it("EXTRACT(DAYOFWEEK) counts 1 = Sunday; EXTRACT(WEEK) and DATE_DIFF(WEEK) use Sunday weeks like BigQuery", async () => {
    expect(await one(`SELECT EXTRACT(DAYOFWEEK FROM DATE '2024-01-07') AS sun, EXTRACT(DAYOFWEEK FROM DATE '2024-01-13') AS sat`)).toEqual({ sun: "1", sat: "7" });
    // 2023-01-01 is a Sunday: week 1; 2022-01-01 (a Saturday) is before the first Sunday: week 0.
    expect(await one(`SELECT EXTRACT(WEEK FROM DATE '2023-01-01') AS w1, EXTRACT(WEEK FROM DATE '2022-01-01') AS w0, EXTRACT(MONTH FROM DATE '2022-03-01') AS m,
      DATE_DIFF(DATE '2024-01-14', DATE '2024-01-13', WEEK) AS crossed, DATE_DIFF(DATE '2024-01-13', DATE '2024-01-07', WEEK) AS same`)).toEqual({
      w1: "1", w0: "0", m: "3", crossed: "1", same: "0",
    });
  });

  it("FARM_FINGERPRINT is a deterministic signed 64-bit value", async () => {
    const r = await one(`SELECT FARM_FINGERPRINT('a') AS a1, FARM_FINGERPRINT('a') AS a2, FARM_FINGERPRINT('b') AS b`);
    expect(r.a1).toBe(r.a2);
    expect(r.a1).not.toBe(r.b);
    expect(BigInt(r.a1 as string) < 2n ** 63n).toBe(true);
  });

  it("ARRAY_AGG ... LIMIT n keeps the first n (and IGNORE NULLS)", async () => {
    const r = await one(`SELECT ARRAY_AGG(x IGNORE NULLS ORDER BY x DESC LIMIT 2) AS top, ARRAY_AGG(x IGNORE NULLS ORDER BY x) AS all_x,
      ARRAY_AGG(x IGNORE NULLS ORDER BY x LIMIT 1)[OFFSET(0)] AS first_x FROM UNNEST([1, 3, NULL, 2]) AS x`);
    expect(r).toEqual({ top: [3, 2], all_x: [1, 2, 3], first_x: 1 });
  });

  it("UNNEST ... WITH OFFSET gives 0-based offsets, also joined to a table", async () => {
    const r = await rows(conn, translateQuery(`SELECT id, x, off FROM (SELECT 'a' AS id, ['p', 'q'] AS xs) AS t, UNNEST(t.xs) AS x WITH OFFSET AS off ORDER BY off`));
    expect(r).toEqual([{ id: "a", x: "p", off: "0" }, { id: "a", x: "q", off: "1" }]);
  });

  it("REGEXP_CONTAINS is a partial match; REGEXP_EXTRACT returns the group or the match; REGEXP_REPLACE replaces all", async () => {
    expect(await one(`SELECT REGEXP_CONTAINS('abc', r'b') AS hit, REGEXP_CONTAINS('abc', 'z') AS miss`)).toEqual({ hit: true, miss: false });
    expect(await one(`SELECT REGEXP_EXTRACT('ab12cd34', r'[a-z]+(\\d+)') AS grp, REGEXP_EXTRACT('ab12', r'\\d+') AS whole,
      REGEXP_EXTRACT('abc', r'\\d+') AS none, REGEXP_EXTRACT('a(1)', r'\\((\\d)\\)') AS escaped, REGEXP_REPLACE('a-b-c', '-', '+') AS repl`)).toEqual({
      grp: "12", whole: "12", none: null, escaped: "1", repl: "a+b+c",
    });
    expect(() => translate("SELECT REGEXP_EXTRACT(s, 'a', 1, 2) FROM t", { fileName: "r.sqlx" })).toThrow(/r\.sqlx: REGEXP_EXTRACT with position/);
  });

  it("DATE(timestamp, zone) is the civil date in that zone; DATE_TRUNC(ts, HOUR) stays a timestamp", async () => {
    expect(await one(`SELECT DATE(TIMESTAMP '2024-01-02 03:00:00+00', 'America/Los_Angeles') AS la, DATE(2024, 2, 3) AS ymd,
      CAST(DATE_TRUNC(TIMESTAMP '2024-01-02 03:04:05+00', HOUR) AS STRING) AS h`)).toEqual({ la: "2024-01-01", ymd: "2024-02-03", h: "2024-01-02 03:00:00+00" });
  });

  it("COUNTIF, QUALIFY and * EXCEPT translate", async () => {
    const r = await rows(conn, translateQuery(`SELECT * EXCEPT (drop_me) FROM (SELECT 1 AS k, 2 AS v, 0 AS drop_me UNION ALL SELECT 1, 3, 0)
      QUALIFY ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) = 1`));
    expect(r).toEqual([{ k: 1, v: 3 }]);
  });

  it("rewrites `project.dataset.table` to the DuckDB schema and leaves strings alone", () => {
    expect(rewriteTargets("SELECT '`p.d.t`' FROM `p.d.t` JOIN `d.u` USING (id)")).toBe("SELECT '`p.d.t`' FROM `d`.`t` JOIN `d`.`u` USING (id)");
  });

  it("substitutes declared variables, not columns of the same name behind a dot or inside strings", () => {
    expect(substituteVariables("SELECT t.checkpoint, 'checkpoint' FROM t WHERE d > Checkpoint", new Set(["checkpoint"]))).toBe(
      "SELECT t.checkpoint, 'checkpoint' FROM t WHERE d > getvariable('checkpoint')",
    );
  });

  it("a statement translated once serves any days: the values go in after the (cached) translation", () => {
    const sql = "SELECT d FROM t WHERE (d IN UNNEST(changed_days)) AND x = 1";
    const on = (days: string[]) => translateQuery(sql, { variables: new Set(["changed_days"]), arrays: new Map([["changed_days", days]]) });
    // one day: polyglot drops a one-name IN list's parentheses, the values bring them back
    expect(on(["DATE '2024-01-02'"])).toBe("SELECT d FROM t WHERE (d IN (DATE '2024-01-02')) AND x = 1");
    expect(on(["DATE '2024-01-03'", "NULL"])).toBe("SELECT d FROM t WHERE (d IN (DATE '2024-01-03', NULL)) AND x = 1");
  });

  it("x IN UNNEST(array variable) becomes an IN list of its values, which DuckDB pushes into the scan like BigQuery prunes", async () => {
    const arrays = new Map([["changed_days", ["DATE '2024-01-02'", "DATE '2024-01-05'", "NULL"]], ["none", []]]);
    expect(inlineArrayMembership("SELECT 'IN UNNEST(changed_days)' FROM t WHERE d NOT IN UNNEST( changed_days ) OR e IN UNNEST(none) OR f IN UNNEST(other)", arrays)).toBe(
      "SELECT 'IN UNNEST(changed_days)' FROM t WHERE d NOT IN (DATE '2024-01-02', DATE '2024-01-05', NULL) OR e IN UNNEST(none) OR f IN UNNEST(other)",
    );
    // BigQuery's truth table: a match is TRUE, no match NULL when the array holds a NULL, an empty array FALSE
    await conn.run("CREATE OR REPLACE TABLE days AS SELECT * FROM (VALUES (DATE '2024-01-01'), (DATE '2024-01-02'), (NULL)) t(d)");
    await conn.run("SET VARIABLE changed_days = [DATE '2024-01-02', DATE '2024-01-05', NULL]");
    await conn.run("SET VARIABLE none = CAST([] AS DATE[])");
    const literals = new Map([["changed_days", (await arrayLiterals(conn, "changed_days"))!]]);
    expect(literals.get("changed_days")).toEqual(["DATE '2024-01-02'", "DATE '2024-01-05'", "NULL"]);
    expect(await arrayLiterals(conn, "none")).toBeUndefined();
    const ctx = { variables: new Set(["changed_days", "none"]), arrays: literals };
    const sql = translateQuery("SELECT d, d IN UNNEST(changed_days) AS changed, d IN UNNEST(none) AS never FROM days ORDER BY d NULLS LAST", ctx);
    expect(await rows(conn, sql)).toEqual([
      { d: "2024-01-01", changed: null, never: false },
      { d: "2024-01-02", changed: true, never: false },
      { d: null, changed: null, never: false },
    ]);
    const [plan] = await rows(conn, `EXPLAIN (FORMAT JSON) ${translateQuery("SELECT * FROM days WHERE d IN UNNEST(changed_days)", ctx)}`);
    expect(String(plan!.explain_value)).toMatch(/"Filters": .*d IN \('2024-01-02'::DATE, '2024-01-05'::DATE/);
  });

  it("fails on unsupported constructs naming the construct and the file", () => {
    const attempt = () => translate("EXECUTE IMMEDIATE 'SELECT 1'", { fileName: "definitions/ops/dyn.sqlx" });
    expect(attempt).toThrow(TranslationError);
    expect(attempt).toThrow(/definitions\/ops\/dyn\.sqlx: EXECUTE IMMEDIATE is not supported/);
    expect(() => translate("SELECT SAFE.SUBSTR('a', 1)", { fileName: "f.sqlx" })).toThrow(/f\.sqlx: SAFE\. function prefix/);
    expect(() => translate("SELECT * FROM t FOR SYSTEM_TIME AS OF CURRENT_TIMESTAMP()", { fileName: "g.sqlx" })).toThrow(/g\.sqlx: FOR SYSTEM_TIME/);
  });

  it("reports SQL it cannot parse with the file name", () => {
    expect(() => translateQuery("SELECT FROM WHERE (", { fileName: "definitions/broken.sqlx" })).toThrow(/definitions\/broken\.sqlx: cannot translate/);
  });
});

describe("BigQuery scripting in operations", () => {
  it("parses DECLARE (several names, type, DEFAULT) and SET", () => {
    expect(parseScript("DECLARE a, b INT64 DEFAULT (SELECT 1);\nSET a = 2;\nDELETE FROM t WHERE x = 'a;b'")).toEqual([
      { kind: "declare", names: ["a", "b"], type: "INT64", value: "(SELECT 1)" },
      { kind: "set", name: "a", value: "2" },
      { kind: "statement", sql: "DELETE FROM t WHERE x = 'a;b'" },
    ]);
    expect(parseScript("DECLARE d DATE")).toEqual([{ kind: "declare", names: ["d"], type: "DATE" }]);
  });

  it("rejects a multi-variable SET with the file name", () => {
    expect(() => parseScript("SET (a, b) = (1, 2)", "definitions/x.sqlx")).toThrow(/definitions\/x\.sqlx: SET \(a, b, \.\.\.\)/);
  });
});
