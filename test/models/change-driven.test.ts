// The daily build equals a full rebuild, whatever happened before (issue 9's reproductions, on the fixture
// warehouse): every step lands one more load run as the loaders do (raw rows + raw_load_runs windows), builds the
// change-driven facts, and compares them row for row with a full refresh of a copy of the same raw data, besides the
// figures a finance lead would check by hand.
import { copyFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileForDataset, runGraph, type CompiledGraph, type RunResult } from "../../runner/index.ts";
import { tempDir } from "../helpers/config.ts";
import { query } from "../helpers/duckdb.ts";
import {
  appendRun, ccRow, cost, createFixtureWarehouse, dailyUsage, DATASET, DAY1, DAY2, event, OPUS, RAW_ROWS, RUN2, usage, type FixtureRun,
} from "./fixture.ts";

// Everything built from the raw data: the facts must match a full rebuild exactly, dimensions too.
const COMPARED = ["dim_users", "dim_api_keys", "fct_usage_daily", "fct_cost_daily", "fct_seats_daily", "vw_monthly_finance"];
const DAY4 = "2026-11-05";
const DAY5 = "2026-11-06";
const OLD_DAY = "2026-10-20";

let dir: string;
let warehouse: string;
let graph: CompiledGraph;
let step = 0;

const failures = (r: RunResult) =>
  r.actions.filter((a) => a.status !== "succeeded").map((a) => `${a.status} ${a.name}: ${a.error ?? ""} ${JSON.stringify(a.failingRows ?? [])}`);

async function rows(file: string, table: string): Promise<string[]> {
  return (await query(file, `SELECT * FROM ${DATASET}.${table}`)).map((r) => JSON.stringify(r)).sort();
}

/** Lands the runs, builds incrementally, and checks the result against a full refresh of a copy. */
async function land(...runs: FixtureRun[]): Promise<RunResult> {
  for (const run of runs) await appendRun(warehouse, run);
  // as scheduled: the build and its checks of the changed days (the full rebuild's: every day)
  const built = await runGraph(graph, { db: warehouse, tags: ["daily"] });
  expect(failures(built)).toEqual([]);
  const copy = path.join(dir, `full-${++step}.duckdb`);
  copyFileSync(warehouse, copy);
  const full = await runGraph(graph, { db: copy, fullRefresh: true, tags: ["daily"] });
  expect(failures(full)).toEqual([]);
  for (const table of COMPARED) expect(await rows(warehouse, table), `${table}: daily build vs full rebuild`).toEqual(await rows(copy, table));
  return built;
}

async function costs(where: string, by = "CAST(cost_date AS VARCHAR) AS d, tool"): Promise<Record<string, unknown>[]> {
  return query(
    warehouse,
    `SELECT ${by}, CAST(SUM(amount_usd) AS VARCHAR) AS usd FROM ${DATASET}.fct_cost_daily WHERE ${where} GROUP BY ALL ORDER BY ALL`,
  );
}

const fixtureRows = (table: string, day: string) => RAW_ROWS[table]!.filter((r) => r.run === RUN2 && r.day === day).map(({ day: d, record }) => ({ day: d, record }));
const person = (email: string, team: string, costCenter: string, effectiveFrom = "") => ({
  email, name: email.split("@")[0], team, department: "Eng", cost_center: costCenter, manager_email: "", effective_from: effectiveFrom,
});

beforeAll(async () => {
  dir = tempDir("aiua-changes-");
  warehouse = path.join(dir, "warehouse.duckdb");
  await createFixtureWarehouse(warehouse);
  graph = await compileForDataset({ dataset: DATASET });
  expect(failures(await runGraph(graph, { db: warehouse, tags: ["daily"] }))).toEqual([]);
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("change-driven facts", () => {
  it("a re-fetch that drops a line, restates an amount and re-classifies an event replaces the day whole", async () => {
    const lines = fixtureRows("raw_anthropic_cost_report", DAY1)
      .filter((r) => (r.record as { model: string | null }).model !== "claude-haiku-4-5")
      .map((r) => ((r.record as { amount: string }).amount === "1000" ? { ...r, record: { ...(r.record as object), amount: "2000" } } : r));
    const events = RAW_ROWS.raw_cursor_usage_events!.filter((r) => r.day === DAY1).map((r) => {
      const e = r.record as { userEmail: string };
      return { day: r.day, record: e.userEmail === "eve@example.com" ? { ...e, kind: "Errored, Not Charged", isChargeable: false, chargedCents: 0 } : e };
    });
    await land({ run: "20261104T060000000Z-cccccc", rows: { raw_anthropic_cost_report: lines, raw_cursor_usage_events: events } });
    expect(await costs(`cost_date = DATE '${DAY1}' AND basis != 'seat'`)).toEqual([
      // 17.5045678 - the dropped $0.07 haiku line + $10 more opus output
      { d: DAY1, tool: "claude_api", usd: "27.434567800" },
      { d: DAY1, tool: "claude_code", usd: "3.500000000" },
      // eve's 1.25 cents are gone: kind is not part of an event's identity
      { d: DAY1, tool: "cursor", usd: "0.418623200" },
    ]);
  }, 120_000);

  it("a Claude Code report that arrives one run late re-splits the day instead of adding to it", async () => {
    // day 2: the Claude Code workspace bills $0.50 of opus output; its report is fetched, but empty
    const day2 = {
      raw_anthropic_usage_messages: [{ day: DAY2, record: usage("apikey_cc", "wrkspc_CC", OPUS, { output: 100 }) }],
      raw_anthropic_cost_report: [{ day: DAY2, record: cost("wrkspc_CC", "50", OPUS, "output_tokens") }],
    };
    await land({ run: "20261104T070000000Z-dddddd", rows: day2, windows: { raw_anthropic_claude_code: [DAY2] } });
    expect(await costs(`cost_date = DATE '${DAY2}' AND tool = 'claude_code'`, "person_id")).toEqual([
      // no report that day: the workspace's per-user key (alice's) by tokens
      { person_id: "alice@example.com", usd: "0.500000000" },
    ]);
    const report = ccRow("user_actor", "bob@example.com", OPUS, 40, 1, 5, DAY2);
    await land({ run: "20261104T080000000Z-eeeeee", rows: { raw_anthropic_claude_code: [{ day: DAY2, record: report.record }] } });
    expect(await costs(`cost_date = DATE '${DAY2}' AND tool = 'claude_code'`, "person_id")).toEqual([{ person_id: "bob@example.com", usd: "0.500000000" }]);
  }, 120_000);

  it("mapping edits apply from the snapshot that shows them on; a person deleted keeps their past team", async () => {
    const sheet = [
      person("alice@example.com", "Platform", "CC-100"),
      person("alice@example.com", "Research", "CC-200", DAY2),
      // bob moved in place; carol deleted
      person("bob@example.com", "Research", "CC-200"),
    ];
    await land({
      run: "20261105T060000000Z-ffffff",
      rows: {
        raw_mapping_people: sheet.map((record) => ({ day: DAY4, record })),
        raw_mapping_budgets: [{ day: DAY4, record: { month: "2026-11", cost_center: "CC-200", team: "", tool: "all", budget_usd: "50.5" } }],
        raw_cursor_usage_events: [
          { day: DAY4, record: event(DAY4, 1000, "bob@example.com", 100) },
          { day: DAY4, record: event(DAY4, 2000, "carol@example.com", 200) },
        ],
      },
    });
    expect(await costs(`tool = 'cursor' AND basis = 'billed' AND person_id IN ('bob@example.com', 'carol@example.com')`, "CAST(cost_date AS VARCHAR) AS d, person_id, team")).toEqual([
      { d: DAY1, person_id: "bob@example.com", team: "Platform", usd: "0.100000000" },
      { d: DAY4, person_id: "bob@example.com", team: "Research", usd: "1.000000000" },
      { d: DAY4, person_id: "carol@example.com", team: "unmapped", usd: "2.000000000" },
    ]);
    // carol's past cost stays on her team: her keys' $0.783333333 (her CI key is billed in wrkspc_A, so it takes no
    // Claude Code workspace share)
    expect(await costs(`person_id = 'carol@example.com' AND cost_date = DATE '${DAY1}'`, "team")).toEqual([{ team: "Research", usd: "0.783333333" }]);
  }, 120_000);

  it("a second load of the mapping on the same day replaces the first instead of merging with it", async () => {
    const sheet = [
      person("alice@example.com", "Platform", "CC-100"),
      person("alice@example.com", "Research", "CC-200", DAY2),
      person("bob@example.com", "Platform", "CC-100"),
    ];
    await land({
      run: "20261105T090000000Z-gggggg",
      rows: {
        raw_mapping_people: sheet.map((record) => ({ day: DAY4, record })),
        // the cost center budget moved to a team
        raw_mapping_budgets: [{ day: DAY4, record: { month: "2026-11", cost_center: "CC-200", team: "Research", tool: "all", budget_usd: "50.5" } }],
      },
    });
    expect(await costs(`tool = 'cursor' AND basis = 'billed' AND cost_date = DATE '${DAY4}'`, "person_id, team")).toEqual([
      { person_id: "bob@example.com", team: "Platform", usd: "1.000000000" },
      { person_id: "carol@example.com", team: "unmapped", usd: "2.000000000" },
    ]);
    const budgets = await query(
      warehouse,
      `SELECT team, CAST(budget_usd AS VARCHAR) AS budget FROM ${DATASET}.vw_monthly_finance WHERE cost_center = 'CC-200' AND tool = 'all' AND budget_usd IS NOT NULL ORDER BY team`,
    );
    expect(budgets).toEqual([{ team: "Research", budget: "50.500000000" }]);
  }, 120_000);

  it("a key owner changed in the mapping takes the key's cost from that day on, never before", async () => {
    await land({
      run: "20261106T060000000Z-hhhhhh",
      rows: {
        raw_mapping_api_key_owners: [
          { day: DAY5, record: { api_key_id: "apikey_3", owner_email: "carol@example.com", note: "shared key" } },
          { day: DAY5, record: { api_key_id: "apikey_2", owner_email: "alice@example.com", note: "handed over" } },
        ],
        raw_anthropic_usage_messages: [{ day: DAY5, record: usage("apikey_2", "wrkspc_A", OPUS, { output: 10 }) }],
        raw_anthropic_cost_report: [{ day: DAY5, record: cost("wrkspc_A", "30", OPUS, "output_tokens") }],
      },
    });
    expect(await costs(`api_key_id = 'apikey_2'`, "CAST(cost_date AS VARCHAR) AS d, person_id")).toEqual([
      // bob (creator) before the change: 3/4 of $4 input, 1/2 of the restated $20 output, 1/2 of $0.10, 2/5 of $1 search, 1/3 of $0.10
      { d: DAY1, person_id: "bob@example.com", usd: "13.483333333" },
      { d: DAY5, person_id: "alice@example.com", usd: "0.300000000" },
    ]);
  }, 120_000);

  it("a backfill of a day older than any lookback reaches the marts", async () => {
    await land({ run: "20261106T070000000Z-iiiiii", rows: { raw_cursor_usage_events: [{ day: OLD_DAY, record: event(OLD_DAY, 0, "alice@example.com", 7) }] } });
    expect(await costs(`cost_date = DATE '${OLD_DAY}' AND basis = 'billed'`, "person_id, team")).toEqual([
      // before the first mapping snapshot: the earliest one's team, inferred
      { person_id: "alice@example.com", team: "Platform", usd: "0.070000000" },
    ]);
  }, 120_000);

  it("a day fetched again with no records empties, and a build with nothing new replaces nothing", async () => {
    await land({ run: "20261106T080000000Z-jjjjjj", rows: {}, windows: { raw_cursor_usage_events: [OLD_DAY] } });
    expect(await costs(`cost_date = DATE '${OLD_DAY}' AND basis = 'billed'`, "person_id")).toEqual([]);
    await runGraph(graph, { db: warehouse, tags: ["daily"] });
    const [last] = await query(warehouse, `SELECT CAST(COALESCE(len(replaced_days), 0) AS INT) AS n FROM ${DATASET}.build_log WHERE table_name = 'fct_cost_daily' ORDER BY built_at DESC LIMIT 1`);
    expect(last).toEqual({ n: 0 });
  }, 120_000);

  it("a seat given back and taken again keeps the last active day from before, across a day never loaded", async () => {
    // bob was last active on 11-05 (an event above); he leaves the members list on 11-08, 11-09 is never loaded, he is
    // back on 11-10
    const [left, back] = ["2026-11-08", "2026-11-10"];
    const member = (id: string, email: string) => ({ id, name: email, email, role: "member", isRemoved: false });
    const day = (run: string, d: string, members: ReturnType<typeof member>[]): FixtureRun => ({
      run,
      rows: {
        raw_cursor_members: members.map((record) => ({ day: d, record })),
        raw_cursor_daily_usage: [{ day: d, record: dailyUsage("alice@example.com", d, true) }, { day: d, record: dailyUsage("bob@example.com", d, false) }],
      },
      windows: { raw_cursor_usage_events: [d] },
    });
    await land(day("20261108T070000000Z-kkkkkk", left, [member("user_a", "alice@example.com")]));
    await land(day("20261110T070000000Z-llllll", back, [member("user_a", "alice@example.com"), member("user_b", "bob@example.com")]));
    const seats = await query(warehouse, `SELECT CAST(seat_date AS VARCHAR) AS d, seat_held, is_active, CAST(last_active_date AS VARCHAR) AS last_active,
      CAST(days_since_last_active AS INT) AS days FROM ${DATASET}.fct_seats_daily WHERE person_id = 'bob@example.com' AND seat_date >= DATE '${left}' ORDER BY d`);
    // not a holder and not active on 11-08: no seat row; back on 11-10, idle since 11-05 (the full rebuild agrees: land())
    expect(seats).toEqual([{ d: back, seat_held: true, is_active: false, last_active: DAY4, days: 5 }]);
  }, 120_000);
});
