// The Dataform project built by the local runner on a small hand-made raw warehouse (fixture.ts):
// every model, assertion and unit test runs, and the money rules give hand-computed answers.
import { copyFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileForDataset, runGraph, type RunResult } from "../../runner/index.ts";
import { checkBigQuerySyntax, formatSyntaxProblems } from "../../runner/bigquery-syntax.ts";
import type { CompiledGraph } from "../../runner/graph.ts";
import { exec, query } from "../helpers/duckdb.ts";
import { tempDir } from "../helpers/config.ts";
import { appendRun, createFixtureWarehouse, DATASET, DAY1, DAY2, RAW, RAW_ROWS, RUN2, SONNET, usage } from "./fixture.ts";

const MARTS = ["dim_users", "dim_teams", "dim_api_keys", "dim_models", "fct_usage_daily", "fct_cost_daily", "fct_seats_daily"];
const VIEWS = ["vw_executive_summary", "vw_monthly_finance", "vw_productivity_metrics", "vw_cost_allocation"];

let dir: string;
let warehouse: string;
let graph: CompiledGraph;
let first: RunResult;

const failures = (r: RunResult) =>
  r.actions.filter((a) => a.status !== "succeeded").map((a) => `${a.status} ${a.name}: ${a.error ?? ""} ${JSON.stringify(a.failingRows ?? [])}`);

/** Every row of a table, as text, in a stable order: for whole-table comparisons. */
async function snapshot(file: string, table: string): Promise<string[]> {
  const rows = await query(file, `SELECT * FROM ${DATASET}.${table}`);
  return rows.map((r) => JSON.stringify(r)).sort();
}

beforeAll(async () => {
  dir = tempDir("aiua-models-");
  warehouse = path.join(dir, "warehouse.duckdb");
  await createFixtureWarehouse(warehouse);
  graph = await compileForDataset({ dataset: DATASET });
  // compiled once; each run below reuses the graph
  first = await runGraph(graph, { db: warehouse, runTests: true });
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the compiled project", () => {
  it("compiles with no errors, every model described, every column of every table documented", async () => {
    expect(graph.graphErrors?.compilationErrors ?? []).toEqual([]);
    const tables = graph.tables ?? [];
    expect(tables.map((t) => t.target.name)).toEqual(expect.arrayContaining([...MARTS, ...VIEWS]));
    for (const t of tables) {
      const descriptor = (t as unknown as { actionDescriptor?: { description?: string; columns?: { path: string[] }[] } }).actionDescriptor;
      expect(descriptor?.description, t.target.name).toBeTruthy();
      const documented = (descriptor?.columns ?? []).map((c) => c.path.join(".")).sort();
      const built = (
        await query(warehouse, `SELECT column_name FROM information_schema.columns WHERE table_schema = '${DATASET}' AND table_name = '${t.target.name}'`)
      ).map((r) => String(r.column_name)).sort();
      expect(documented, `columns of ${t.target.name}`).toEqual(built);
    }
  });

  it("refuses a bad var with a message naming it", async () => {
    await expect(compileForDataset({ dataset: DATASET, vars: { lookback_days: "three" } })).rejects.toThrow(
      /var "lookback_days" must be a non-negative number, got "three"/,
    );
  });

  it("is valid BigQuery SQL (strict parser), with no DuckDB-only syntax", () => {
    const problems = checkBigQuerySyntax(graph);
    expect(problems, formatSyntaxProblems(problems)).toEqual([]);
  });

  it("tags the daily workflow and the four Looker views; facts replace their changed days, partitioned by day", () => {
    for (const t of graph.tables ?? []) expect(t.tags, t.target.name).toContain("daily");
    const looker = (graph.tables ?? []).filter((t) => t.tags?.includes("looker")).map((t) => t.target.name).sort();
    expect(looker).toEqual([...VIEWS].sort());
    for (const name of ["fct_usage_daily", "fct_cost_daily", "fct_seats_daily"]) {
      const t = (graph.tables ?? []).find((x) => x.target.name === name)!;
      const day = t.bigquery!.partitionBy!;
      expect(day).toMatch(/_date$/);
      expect(t.enumType).toBe("INCREMENTAL");
      // no MERGE by key: the changed days are deleted and inserted whole, in one transaction
      expect(t.uniqueKey ?? []).toEqual([]);
      const pre = t.incrementalPreOps?.join("\n") ?? "";
      expect(pre).toMatch(/DECLARE changed_days ARRAY<DATE>[\s\S]*int_builds__changed_days/);
      expect(pre).toMatch(new RegExp(`BEGIN TRANSACTION;\\s*DELETE FROM \`[^\`]+\\.${name}\` WHERE ${day} IN UNNEST\\(changed_days\\)`));
      expect(t.incrementalPostOps?.join("\n")).toMatch(/INSERT INTO `[^`]+\.build_log`[\s\S]*COMMIT TRANSACTION/);
      expect(t.postOps?.join("\n")).toMatch(/INSERT INTO `[^`]+\.build_log`/);
      if (name !== "fct_seats_daily") expect(t.incrementalQuery).toMatch(new RegExp(`WHERE ${day} IN UNNEST\\(changed_days\\)`));
    }
  });
});

describe("a full build on the fixture warehouse", () => {
  it("runs every action and every assertion green, and both unit tests pass", () => {
    expect(failures(first)).toEqual([]);
    // each kept assertion fails on a crafted input in assertions.test.ts, which lists them all
    expect(first.actions.filter((a) => a.kind === "assertion").length).toBeGreaterThan(10);
    expect(first.tests?.map((t) => [t.name, t.status, t.messages])).toEqual([
      ["test_int_cost__daily_with_team", "passed", []],
    ]);
  });

  it("sums cost per day and tool exactly to the vendor figures (seats on top)", async () => {
    const rows = await query(
      warehouse,
      `SELECT CAST(cost_date AS VARCHAR) AS d, tool, CAST(SUM(amount_usd) AS VARCHAR) AS usd FROM ${DATASET}.fct_cost_daily
       WHERE basis != 'seat' GROUP BY ALL ORDER BY d, tool`,
    );
    expect(rows).toEqual([
      // (400 + 1000 + 123.45678 + 10 + 100 + 10 + 7 + 100) cents; the stale 999 fetch is ignored
      { d: DAY1, tool: "claude_api", usd: "17.504567800" },
      { d: DAY1, tool: "claude_code", usd: "3.500000000" },
      // 21.36232 + 10.5 + 5 + 5 (two identical events) + 1.25 cents
      { d: DAY1, tool: "cursor", usd: "0.431123200" },
      { d: DAY2, tool: "cursor", usd: "0.030000000" },
    ]);
  });

  it("allocates Anthropic lines by tokens of the same type, the Claude Code workspace by the estimated cost of the actors billed there, the rest to unattributed", async () => {
    const rows = await query(
      warehouse,
      `SELECT tool, person_id, CAST(SUM(amount_usd) AS VARCHAR) AS usd FROM ${DATASET}.fct_cost_daily
       WHERE cost_date = DATE '${DAY1}' AND tool != 'cursor' GROUP BY ALL ORDER BY tool, person_id`,
    );
    expect(rows).toEqual([
      // key 1 (principal alice): input 1/4 of $4, output 1/2 of $10, all 5m writes, 1h 1/2 of $0.10, 3/5 web search, sonnet 1/3 + remainder
      { tool: "claude_api", person_id: "alice@example.com", usd: "7.917901134" },
      // key 2 (creator bob): input 3/4, output 1/2, 1h 1/2, 2/5 web search, sonnet 1/3
      { tool: "claude_api", person_id: "bob@example.com", usd: "8.483333333" },
      // key 3 (mapping override carol): 3/4 of the Default Workspace's $1; key 4 (creator carol): sonnet 1/3
      { tool: "claude_api", person_id: "carol@example.com", usd: "0.783333333" },
      // Console usage (NULL key) 1/4 of $1 + the haiku line nobody used
      { tool: "claude_api", person_id: "unattributed", usd: "0.320000000" },
      // opus $3 by the opus estimates 200/100, although alice's per-user key carries tokens (estimated_cost comes
      // first in the Claude Code workspace); sonnet $0.50, which nobody estimated, by the day's 200/100. The ci-key
      // api_actor (40 cents of haiku) is a key of wrkspc_A: billed there, it takes no Claude Code workspace cost
      { tool: "claude_code", person_id: "alice@example.com", usd: "2.333333333" },
      { tool: "claude_code", person_id: "bob@example.com", usd: "1.166666667" },
    ]);
  });

  it("puts cost on the team of that day, seats prorated per day, unmapped people visible", async () => {
    const rows = await query(
      warehouse,
      `SELECT CAST(cost_date AS VARCHAR) AS d, person_id, team, cost_center, basis, CAST(SUM(amount_usd) AS VARCHAR) AS usd
       FROM ${DATASET}.fct_cost_daily WHERE tool = 'cursor' GROUP BY ALL ORDER BY d, person_id, basis`,
    );
    expect(rows).toEqual([
      { d: DAY1, person_id: "alice@example.com", team: "Platform", cost_center: "CC-100", basis: "billed", usd: "0.318623200" },
      // day 1 precedes the first members snapshot: seats inferred from the earliest one
      { d: DAY1, person_id: "alice@example.com", team: "Platform", cost_center: "CC-100", basis: "seat", usd: "1.333333333" },
      { d: DAY1, person_id: "bob@example.com", team: "Platform", cost_center: "CC-100", basis: "billed", usd: "0.100000000" },
      { d: DAY1, person_id: "bob@example.com", team: "Platform", cost_center: "CC-100", basis: "seat", usd: "1.333333333" },
      { d: DAY1, person_id: "eve@example.com", team: "unmapped", cost_center: "unmapped", basis: "billed", usd: "0.012500000" },
      { d: DAY2, person_id: "alice@example.com", team: "Research", cost_center: "CC-200", basis: "billed", usd: "0.030000000" },
      { d: DAY2, person_id: "alice@example.com", team: "Research", cost_center: "CC-200", basis: "seat", usd: "1.333333333" },
      { d: DAY2, person_id: "bob@example.com", team: "Platform", cost_center: "CC-100", basis: "seat", usd: "1.333333333" },
    ]);
    const seats = await query(
      warehouse,
      `SELECT CAST(seat_date AS VARCHAR) AS d, person_id, seat_held, is_active, is_inferred, days_since_last_active
       FROM ${DATASET}.fct_seats_daily ORDER BY d, person_id`,
    );
    expect(seats).toContainEqual({ d: DAY2, person_id: "bob@example.com", seat_held: true, is_active: false, is_inferred: false, days_since_last_active: "1" });
    expect(seats).toContainEqual({ d: DAY1, person_id: "alice@example.com", seat_held: true, is_active: true, is_inferred: true, days_since_last_active: "0" });
    // dave was removed: never a seat
    expect(seats.some((s) => s.person_id === "dave@example.com")).toBe(false);
  });

  it("builds the dimensions: team history, unmapped emails, key owners, models with derived prices", async () => {
    const users = await query(
      warehouse,
      `SELECT person_id, team, CAST(valid_from AS VARCHAR) AS f, CAST(valid_to AS VARCHAR) AS t, is_mapped, is_inferred FROM ${DATASET}.dim_users ORDER BY person_id, f`,
    );
    // one mapping snapshot, on day 2: earlier days take it too, marked inferred; alice's dated row moves her on day 2
    expect(users).toEqual([
      { person_id: "alice@example.com", team: "Platform", f: "1900-01-01", t: DAY2, is_mapped: true, is_inferred: true },
      { person_id: "alice@example.com", team: "Research", f: DAY2, t: null, is_mapped: true, is_inferred: false },
      { person_id: "bob@example.com", team: "Platform", f: "1900-01-01", t: DAY2, is_mapped: true, is_inferred: true },
      { person_id: "bob@example.com", team: "Platform", f: DAY2, t: null, is_mapped: true, is_inferred: false },
      { person_id: "carol@example.com", team: "Research", f: "1900-01-01", t: DAY2, is_mapped: true, is_inferred: true },
      { person_id: "carol@example.com", team: "Research", f: DAY2, t: null, is_mapped: true, is_inferred: false },
      { person_id: "dave@example.com", team: "unmapped", f: "1900-01-01", t: null, is_mapped: false, is_inferred: false },
      { person_id: "eve@example.com", team: "unmapped", f: "1900-01-01", t: null, is_mapped: false, is_inferred: false },
      { person_id: "unattributed", team: "unattributed", f: "1900-01-01", t: null, is_mapped: false, is_inferred: false },
    ]);
    const keys = await query(warehouse, `SELECT api_key_id, workspace_name, owner_person_id, owner_source FROM ${DATASET}.dim_api_keys ORDER BY api_key_id`);
    expect(keys).toEqual([
      { api_key_id: "apikey_1", workspace_name: "Research", owner_person_id: "alice@example.com", owner_source: "principal" },
      { api_key_id: "apikey_2", workspace_name: "Research", owner_person_id: "bob@example.com", owner_source: "creator" },
      { api_key_id: "apikey_3", workspace_name: "Default", owner_person_id: "carol@example.com", owner_source: "mapping" },
      { api_key_id: "apikey_4", workspace_name: "Research", owner_person_id: "carol@example.com", owner_source: "creator" },
      { api_key_id: "apikey_cc", workspace_name: "Claude Code", owner_person_id: "alice@example.com", owner_source: "principal" },
    ]);
    const [opus] = await query(warehouse, `SELECT vendor, family, usd_per_mtok_output, usd_per_mtok_uncached_input FROM ${DATASET}.dim_models WHERE model = 'claude-opus-4-6'`);
    // opus output: $10 (wrkspc_A) + $3 (Claude Code) over 500 + 500 + 700 tokens
    expect(opus).toMatchObject({ vendor: "anthropic", family: "opus" });
    expect(Number(opus!.usd_per_mtok_output)).toBeCloseTo((13 / 1700) * 1e6, 6);
    expect(Number(opus!.usd_per_mtok_uncached_input)).toBeCloseTo((4 / 4000) * 1e6, 6);
  });

  it("fills the four Looker views", async () => {
    for (const v of VIEWS) {
      const [row] = await query(warehouse, `SELECT COUNT(*) AS n FROM ${DATASET}.${v}`);
      expect(Number(row!.n), v).toBeGreaterThan(0);
    }
    const [platform] = await query(
      warehouse,
      `SELECT CAST(spend_usd AS VARCHAR) AS spend, CAST(budget_usd AS VARCHAR) AS budget, CAST(variance_usd AS VARCHAR) AS variance
       FROM ${DATASET}.vw_monthly_finance WHERE cost_center = 'CC-100' AND team = 'Platform' AND tool = 'cursor'`,
    );
    // alice's day-1 cursor cost and bob's two days: 0.3186232 + 1.333333333 + 0.1 + 2 x 1.333333333
    expect(platform).toEqual({ spend: "4.418623199", budget: "1100.000000000", variance: "1095.581376801" });
    const exec = await query(warehouse, `SELECT tool, active_users FROM ${DATASET}.vw_executive_summary ORDER BY tool`);
    expect(exec).toEqual([
      // BIGINT comes back as text; 'all' counts a person active with several tools once
      { tool: "all", active_users: "4" },
      { tool: "claude_api", active_users: "3" },
      { tool: "claude_code", active_users: "3" },
      { tool: "cursor", active_users: "3" },
    ]);
  });
});

describe("the Cursor spend check", () => {
  it("compares the snapshot with the events of its cycle up to the moment it was taken", async () => {
    const rows = await query(
      warehouse,
      `SELECT CAST(snapshot_date AS VARCHAR) AS d, CAST(cycle_start_date AS VARCHAR) AS cycle, CAST(snapshot_usd AS VARCHAR) AS snapshot,
              CAST(events_usd AS VARCHAR) AS events, is_within_tolerance FROM ${DATASET}.int_cursor__spend_reconciliation`,
    );
    // taken after day 2 ended: every event of days 1-2 (46.11232 cents, eve's included) against alice's and bob's
    // 44.86232: eve is no member, within the $1 tolerance
    expect(rows).toEqual([{ d: DAY2, cycle: DAY1, snapshot: "0.448623200", events: "0.461123200", is_within_tolerance: true }]);
  });

  it("fails on a genuine mismatch, naming the day, both figures and the likely cause", async () => {
    const broken = path.join(dir, "spend.duckdb");
    copyFileSync(warehouse, broken);
    const cycle = Date.parse(`${DAY1}T00:00:00Z`);
    await appendRun(broken, {
      run: "20261103T070000000Z-ffffff",
      fetchedAt: "2026-11-03 07:00:00",
      rows: { raw_cursor_spend: [{ day: DAY2, record: { userId: "user_a", email: "alice@example.com", spendCents: 5000, overallSpendCents: 5000, subscriptionCycleStart: cycle } }] },
    });
    const r = await runGraph(graph, { db: broken, actions: ["assert_cursor_spend_snapshot"], includeDependencies: true });
    const assertion = r.actions.find((a) => a.name === "assert_cursor_spend_snapshot")!;
    expect(assertion.status).toBe("failed");
    expect(assertion.failingRows).toEqual([
      expect.objectContaining({ snapshot_date: DAY2, snapshot_usd: "50.000000000", events_usd: "0.461123200", likely_cause: expect.stringMatching(/^the events fetched so far charge less/) }),
    ]);
  });
});

describe("a key seen only in usage", () => {
  it("is nobody's: its tokens and cost go to unattributed, and dim_api_keys lists it as not listed", async () => {
    const copy = path.join(dir, "usage-only-key.duckdb");
    copyFileSync(warehouse, copy);
    // day 1 fetched again: the same usage plus a key that no key list or mapping tab names
    const day1 = RAW_ROWS.raw_anthropic_usage_messages!.filter((r) => r.day === DAY1 && r.run === RUN2).map((r) => ({ day: DAY1, record: r.record }));
    await appendRun(copy, {
      run: "20261104T060000000Z-dddddd",
      rows: { raw_anthropic_usage_messages: [...day1, { day: DAY1, record: usage("apikey_gone", "wrkspc_A", SONNET, { output: 10 }) }] },
    });
    const r = await runGraph(graph, { db: copy });
    expect(failures(r)).toEqual([]);
    expect(await query(copy, `SELECT owner_person_id, owner_source, is_listed, workspace_name FROM ${DATASET}.dim_api_keys WHERE api_key_id = 'apikey_gone'`)).toEqual([
      { owner_person_id: "unattributed", owner_source: "none", is_listed: false, workspace_name: "Default" },
    ]);
    // the sonnet output line of workspace A (10 cents, split 10:10:10 by output tokens before) now has four recipients
    const owners = await query(copy, `SELECT person_id, CAST(SUM(amount_usd) AS VARCHAR) AS usd FROM ${DATASET}.fct_cost_daily
      WHERE api_key_id = 'apikey_gone' GROUP BY person_id`);
    expect(owners).toEqual([{ person_id: "unattributed", usd: "0.025000000" }]);
    expect(await query(copy, `SELECT person_id, output_tokens FROM ${DATASET}.fct_usage_daily WHERE api_key_id = 'apikey_gone'`)).toEqual([
      { person_id: "unattributed", output_tokens: "10" },
    ]);
  });
});

describe("re-runs and failure detection", () => {
  it("an incremental re-run leaves every mart identical", async () => {
    const before = await Promise.all(MARTS.map((t) => snapshot(warehouse, t)));
    const again = await runGraph(graph, { db: warehouse, tags: ["marts"] });
    expect(failures(again)).toEqual([]);
    expect(again.actions.filter((a) => a.incremental).map((a) => a.name).sort()).toEqual(["fct_cost_daily", "fct_seats_daily", "fct_usage_daily"]);
    const after = await Promise.all(MARTS.map((t) => snapshot(warehouse, t)));
    expect(after).toEqual(before);
  });

  it("fails the reconciliations when a raw cost record is corrupted, and freshness when loads are old", async () => {
    const broken = path.join(dir, "broken.duckdb");
    copyFileSync(warehouse, broken);
    await exec(
      broken,
      `UPDATE ${RAW}.raw_anthropic_cost_report SET record = json_merge_patch(record, '{"amount": "12O.5"}')
         WHERE run_id LIKE '20261103%' AND json_extract_string(record, '$.amount') = '1000';
       UPDATE ${RAW}.raw_cursor_usage_events SET record = json_merge_patch(record, '{"chargedCents": "ten"}')
         WHERE json_extract_string(record, '$.userEmail') = 'eve@example.com';
       UPDATE ${RAW}.raw_load_runs SET finished_at = now()::TIMESTAMP - INTERVAL 3 DAY WHERE stream = 'cost_report';`,
    );
    const r = await runGraph(graph, { db: broken });
    const failed = r.actions.filter((a) => a.status === "failed").map((a) => a.name).sort();
    // raw edited in place is no new fetch, so the facts keep their days and the daily checks (on the days the build
    // changed: none) pass; the weekly assertions that read raw catch it
    expect(failed).toEqual(["assert_raw_freshness", "assert_reconcile_anthropic_cost", "assert_reconcile_cursor_cost", "assert_stg_cursor__usage_events_charges"]);
    const anthropic = r.actions.find((a) => a.name === "assert_reconcile_anthropic_cost")!;
    expect(anthropic.failingRows).toEqual([expect.objectContaining({ tool: "claude_api", unparsed_lines: "1" })]);
    const cursor = r.actions.find((a) => a.name === "assert_reconcile_cursor_cost")!;
    expect(cursor.failingRows).toEqual([expect.objectContaining({ unparsed_events: "1" })]);
  });
});
