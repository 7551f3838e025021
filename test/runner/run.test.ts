// The runner on the `basic` fixture: real Dataform CLI compile, real DuckDB, every execution semantic.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DuckDBConnection } from "@duckdb/node-api";
import { checkBigQuerySyntax, formatSyntaxProblems } from "../../runner/bigquery-syntax.ts";
import { compile, runGraph, type CompiledGraph, type RunResult } from "../../runner/index.ts";
import { addEvents, event, FIXTURES, memoryDb, rows, seedRaw } from "./helpers.ts";

let graph: CompiledGraph;
let db: Awaited<ReturnType<typeof memoryDb>>;
let conn: DuckDBConnection;

beforeAll(async () => {
  graph = await compile({ projectDir: `${FIXTURES}/basic` });
});
beforeEach(async () => {
  db = await memoryDb();
  conn = db.conn;
  await seedRaw(conn);
});
afterEach(() => db.close());

const status = (r: RunResult) => Object.fromEntries(r.actions.map((a) => [a.name, a.status]));
const facts = () => rows(conn, "SELECT event_id, CAST(amount AS DOUBLE) AS amount, load_kind FROM fx.fct_events ORDER BY event_id, load_kind");

describe("runGraph on DuckDB", () => {
  it("the fixture's compiled SQL is valid BigQuery (DECLARE, QUALIFY, pre/post ops, tests)", () => {
    expect(formatSyntaxProblems(checkBigQuerySyntax(graph))).toBe("");
  });

  it("first run creates views, tables, the incremental, assertions and the operation", async () => {
    const result = await runGraph(graph, { db: conn });
    expect(result.ok).toBe(true);
    expect(Object.values(status(result)).every((s) => s === "succeeded")).toBe(true);
    expect(result.actions.find((a) => a.name === "fct_events")!.incremental).toBe(false);
    // Dependency order: upstream before downstream.
    const order = result.actions.map((a) => a.name);
    expect(order.indexOf("stg_events")).toBeLessThan(order.indexOf("fct_events"));
    expect(order.indexOf("assert_no_negative_amounts")).toBeLessThan(order.indexOf("v_daily_spend"));

    expect(await facts()).toEqual([
      { event_id: "e1", amount: 1.25, load_kind: "full" },
      { event_id: "e2", amount: 2.5, load_kind: "full" },
      { event_id: "e3", amount: 4, load_kind: "full" },
    ]);
    // u0 is filtered by the query; u2 is deleted by the post-operation using the variable SET in the pre-operation.
    expect(await rows(conn, "SELECT user_id, country FROM fx.dim_users ORDER BY user_id")).toEqual([
      { user_id: "u1", country: "DE" },
      { user_id: "u3", country: null },
    ]);
    const types = await rows(conn, "SELECT table_schema, table_name, table_type FROM information_schema.tables WHERE table_schema LIKE 'fx%' ORDER BY 1, 2");
    expect(types).toContainEqual({ table_schema: "fx", table_name: "stg_events", table_type: "VIEW" });
    expect(types).toContainEqual({ table_schema: "fx", table_name: "fct_events", table_type: "BASE TABLE" });
    expect(types).toContainEqual({ table_schema: "fx_assertions", table_name: "fx_dim_users_assertions_uniqueKey_0", table_type: "VIEW" });
    // 2024-01-01 is a Monday: BigQuery DAYOFWEEK 2.
    expect(await rows(conn, "SELECT day_of_week FROM fx.v_daily_spend WHERE event_date = DATE '2024-01-01'")).toEqual([{ day_of_week: "2" }]);
    // Operation: two statements, the second sees the first's table.
    expect(await rows(conn, "SELECT events FROM fx.event_counts ORDER BY events")).toEqual([{ events: "-1" }, { events: "3" }]);
  });

  it("second run merges incrementally: updates by uniqueKey, applies updatePartitionFilter to the destination, uses the DECLAREd checkpoint", async () => {
    await runGraph(graph, { db: conn });
    await addEvents(
      conn,
      [
        event("e2", "u3", "2024-01-08", "3.5"), // update of an existing key
        event("e4", "u1", "2024-01-03", "9"), // late: before checkpoint - 3 days, not selected
        event("e5", "u3", "2024-01-09", "1"), // new
      ],
      "2024-01-12 00:00:00",
    );
    const result = await runGraph(graph, { db: conn });
    expect(result.ok).toBe(true);
    expect(result.actions.find((a) => a.name === "fct_events")!.incremental).toBe(true);
    expect(await facts()).toEqual([
      // e1 lies outside updatePartitionFilter (event_date >= 2024-01-02): MERGE does not match it, so it is inserted again (BigQuery semantics).
      { event_id: "e1", amount: 1.25, load_kind: "full" },
      { event_id: "e1", amount: 1.25, load_kind: "incremental" },
      { event_id: "e2", amount: 3.5, load_kind: "incremental" },
      { event_id: "e3", amount: 4, load_kind: "incremental" },
      { event_id: "e5", amount: 1, load_kind: "incremental" },
    ]);
  });

  it("fullRefresh rebuilds the incremental from its full query", async () => {
    await runGraph(graph, { db: conn });
    await addEvents(conn, [event("e4", "u1", "2024-01-03", "9")], "2024-01-12 00:00:00");
    await runGraph(graph, { db: conn });
    const result = await runGraph(graph, { db: conn, fullRefresh: true });
    expect(result.actions.find((a) => a.name === "fct_events")!.incremental).toBe(false);
    expect((await facts()).map((r) => `${r.event_id}:${r.load_kind}`)).toEqual(["e1:full", "e2:full", "e3:full", "e4:full"]);
  });

  it("a failing assertion reports its rows and skips its dependants; other branches still run", async () => {
    await addEvents(conn, [event("e9", "u1", "2024-01-09", "-7")], "2024-01-12 00:00:00");
    await conn.run("INSERT INTO fx_raw.users VALUES ('u9', 'xyz', '2024-01-01')");
    const events: string[] = [];
    const result = await runGraph(graph, { db: conn, onProgress: (e) => events.push(`${e.type}:${e.type === "end" ? e.result.name : ""}`) });
    expect(result.ok).toBe(false);
    const assertion = result.actions.find((a) => a.name === "assert_no_negative_amounts")!;
    expect(assertion.status).toBe("failed");
    expect(assertion.failingRowCount).toBe(1);
    expect(assertion.failingRows).toEqual([{ event_id: "e9", amount: "-7.000000000" }]);
    const view = result.actions.find((a) => a.name === "v_daily_spend")!;
    expect(view).toMatchObject({ status: "skipped", skippedBecause: "fx_assertions.assert_no_negative_amounts" });
    const rowConditions = result.actions.find((a) => a.name === "fx_dim_users_assertions_rowConditions")!;
    expect(rowConditions.status).toBe("failed");
    expect(rowConditions.failingRows).toEqual([{ failing_row_condition: "country IS NULL OR LENGTH(country) = 2", user_id: "u9", country: "XYZ", signup_date: "2024-01-01" }]);
    expect(status(result)).toMatchObject({ event_counts: "succeeded", fx_dim_users_assertions_uniqueKey_0: "succeeded" });
    expect(events).toContain("end:v_daily_spend");
  });

  it("a failing statement reports the file and skips dependants transitively", async () => {
    await conn.run("DROP TABLE fx_raw.users");
    const result = await runGraph(graph, { db: conn });
    const dim = result.actions.find((a) => a.name === "dim_users")!;
    expect(dim.status).toBe("failed");
    expect(dim.error).toMatch(/^definitions\/marts\/dim_users\.sqlx: .*users/s);
    expect(status(result)).toMatchObject({ fct_events: "skipped", v_daily_spend: "skipped", event_counts: "skipped", stg_events: "succeeded" });
  });

  it("--actions runs only the named action, with dependencies when asked", async () => {
    const alone = await runGraph(graph, { db: conn, actions: ["fct_events"] });
    expect(Object.keys(status(alone))).toEqual(["fct_events"]);
    expect(alone.actions[0]!.status).toBe("failed"); // its inputs were never built

    const withDeps = await runGraph(graph, { db: conn, actions: ["fx.fct_events"], includeDependencies: true });
    expect(withDeps.ok).toBe(true);
    const names = Object.keys(status(withDeps));
    expect(names).toEqual(expect.arrayContaining(["stg_events", "dim_users", "fct_events"]));
    expect(names).not.toContain("v_daily_spend");
    expect(names).not.toContain("event_counts");

    const dependents = await runGraph(graph, { db: conn, actions: ["stg_events"], includeDependents: true });
    expect(Object.keys(status(dependents)).sort()).toEqual(["assert_no_negative_amounts", "event_counts", "fct_events", "stg_events", "v_daily_spend"]);
    await expect(runGraph(graph, { db: conn, actions: ["nope"] })).rejects.toThrow(/unknown action "nope"/);
  });

  it("tags select the tagged actions (and the built-in assertions of selected tables)", async () => {
    await runGraph(graph, { db: conn });
    const looker = await runGraph(graph, { db: conn, tags: ["looker"] });
    expect(Object.keys(status(looker))).toEqual(["v_daily_spend"]);
    const staging = await runGraph(graph, { db: conn, tags: ["staging"] });
    expect(Object.keys(status(staging))).toEqual(["stg_events"]);
  });

  it("unit tests: passing and failing, compared like dataform test", async () => {
    const result = await runGraph(graph, { db: conn, tags: ["staging"], runTests: true });
    expect(result.tests!.map((t) => [t.name, t.status])).toEqual([
      ["test_dim_users", "passed"],
      ["test_dim_users_wrong", "failed"],
    ]);
    expect(result.tests![1]!.messages).toEqual(['row 0, column country: expected "de", got "DE"']);
    expect(result.ok).toBe(false);
  });

  it("drops and recreates when a view becomes a table; disabled actions are reported, not run", async () => {
    await runGraph(graph, { db: conn });
    const changed: CompiledGraph = structuredClone(graph);
    const stg = changed.tables!.find((t) => t.target.name === "stg_events")!;
    stg.enumType = "TABLE";
    changed.tables!.find((t) => t.target.name === "dim_users")!.disabled = true;
    const result = await runGraph(changed, { db: conn });
    expect(status(result)).toMatchObject({ stg_events: "succeeded", dim_users: "disabled", fct_events: "succeeded" });
    expect(await rows(conn, "SELECT table_type FROM information_schema.tables WHERE table_schema = 'fx' AND table_name = 'stg_events'")).toEqual([{ table_type: "BASE TABLE" }]);
  });

  it("a protected incremental is never fully refreshed; unsupported strategies fail clearly", async () => {
    await runGraph(graph, { db: conn });
    const changed: CompiledGraph = structuredClone(graph);
    const fct = changed.tables!.find((t) => t.target.name === "fct_events")!;
    fct.protected = true;
    const refreshed = await runGraph(changed, { db: conn, fullRefresh: true, actions: ["fct_events"] });
    expect(refreshed.actions[0]).toMatchObject({ status: "succeeded", incremental: true });
    fct.incrementalStrategy = "INSERT_OVERWRITE";
    const overwrite = await runGraph(changed, { db: conn, actions: ["fct_events"] });
    expect(overwrite.actions[0]!.error).toBe("definitions/marts/fct_events.sqlx: incrementalStrategy INSERT_OVERWRITE is not supported by the local DuckDB runner");
  });

  it("an incremental whose model gained a column is refused with the fix, and keeps its rows", async () => {
    await runGraph(graph, { db: conn });
    const before = await facts();
    const changed: CompiledGraph = structuredClone(graph);
    const fct = changed.tables!.find((t) => t.target.name === "fct_events")!;
    fct.incrementalQuery = `SELECT *, 1 AS added_metric FROM (${fct.incrementalQuery})`;
    const result = await runGraph(changed, { db: conn, actions: ["fct_events"] });
    expect(result.actions[0]!.error).toBe(
      'definitions/marts/fct_events.sqlx: fx.fct_events has no column added_metric, which its model now builds: rebuild it once from the raw data with `npm run models -- run --full-refresh` (on GCP, a run with "fullRefresh": true; docs/runbook.md)',
    );
    expect(await facts()).toEqual(before);
  });

  it("a script's array variable reaches the scans as literal values: `IN UNNEST(changed_days)` prunes like on BigQuery", async () => {
    await conn.run("CREATE SCHEMA cd_raw; CREATE TABLE cd_raw.src AS SELECT DATE '2024-01-01' + CAST(i % 30 AS INTEGER) AS d, i AS v FROM range(300) t(i)");
    await conn.run("CREATE TABLE cd_raw.changed (d DATE); INSERT INTO cd_raw.changed VALUES ('2024-01-03'), ('2024-01-20')");
    const fact: CompiledGraph = {
      declarations: [{ target: { schema: "cd_raw", name: "src" } }, { target: { schema: "cd_raw", name: "changed" } }],
      tables: [
        {
          target: { schema: "cd", name: "fct" },
          fileName: "definitions/fct.sqlx",
          enumType: "INCREMENTAL",
          query: "SELECT d, v FROM `cd_raw.src`",
          incrementalQuery: "SELECT d, v FROM `cd_raw.src` WHERE d IN UNNEST(changed_days)",
          incrementalPreOps: ["DECLARE changed_days ARRAY<DATE> DEFAULT (SELECT ARRAY_AGG(d ORDER BY d) FROM `cd_raw.changed`);\nDELETE FROM `cd.fct` WHERE d IN UNNEST(changed_days)"],
        },
      ],
    };
    expect((await runGraph(fact, { db: conn })).ok).toBe(true);
    const sent: string[] = [];
    const recording = new Proxy(conn, {
      get: (target, prop) => {
        const value = Reflect.get(target, prop) as unknown;
        if (prop === "run") return (sql: string, ...rest: unknown[]) => (sent.push(sql), target.run(sql, ...(rest as [])));
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await conn.run("UPDATE cd_raw.src SET v = v + 1000 WHERE d = '2024-01-20'");
    expect((await runGraph(fact, { db: recording })).actions[0]).toMatchObject({ status: "succeeded", incremental: true });
    expect(await rows(conn, "SELECT COUNT(*) AS n, SUM(CASE WHEN v >= 1000 THEN 1 ELSE 0 END) AS changed FROM cd.fct")).toEqual([{ n: "300", changed: "10" }]);
    // the delete and the insert's query carry the days as a literal list, which DuckDB pushes into the scans
    const filtered = sent.filter((sql) => /IN \(DATE '2024-01-03', DATE '2024-01-20'\)/.test(sql));
    expect(filtered.map((sql) => sql.split(" ").slice(0, 3).join(" "))).toEqual(["DELETE FROM \"cd\".\"fct\"", "CREATE OR REPLACE"]);
    const [plan] = await rows(conn, `EXPLAIN (FORMAT JSON) ${filtered[1]!.replace(/^CREATE OR REPLACE TEMP TABLE "__dataform_source" AS /, "")}`);
    expect(String(plan!.explain_value)).toMatch(/"Table": "memory\.cd_raw\.src"[^}]*"Filters": "optional: d IN \('2024-01-03'::DATE, '2024-01-20'::DATE\)"/s);
  });
});
