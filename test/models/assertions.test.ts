// Every check the project keeps fails on a crafted wrong input (docs/models.md, "Assertions"): a check that no input
// can fail proves nothing, so none is kept without a case here, and a new one fails the first test until it has one.
// Each case works on a copy of the fixture warehouse built once, and runs the check twice: the weekly assertion (all
// history) and the daily check (the days the last build changed: the fixture's first build changed every day).
import { copyFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileForDataset, runGraph, type CompiledGraph } from "../../runner/index.ts";
import { tempDir } from "../helpers/config.ts";
import { exec, query } from "../helpers/duckdb.ts";
import { appendRun, createFixtureWarehouse, DATASET, DAY1, DAY2, RAW, type FixtureRun } from "./fixture.ts";

const DAILY = "_changed_days";
/** A crafted wrong input: SQL on the copy's raw or built tables, or a load run landed on it. */
type Craft = { sql?: string; land?: FixtureRun };

const duplicate = (table: string, where: string) => `INSERT INTO ${RAW}.${table} SELECT * FROM ${RAW}.${table} WHERE ${where}`;
const DAY_COLUMN: Record<string, string> = { fct_cost_daily: "cost_date", fct_usage_daily: "usage_date", fct_seats_daily: "seat_date" };
const twice = (fact: string, day: string) => `INSERT INTO ${DATASET}.${fact} SELECT * FROM ${DATASET}.${fact} WHERE ${DAY_COLUMN[fact]} = DATE '${day}'`;

const CASES: Record<string, Record<string, Craft>> = {
  assert_stg_anthropic__api_keys_unique_key: {
    "a key listed twice in one fetch": { sql: duplicate("raw_anthropic_api_keys", "json_extract_string(record, '$.id') = 'apikey_1'") },
  },
  assert_stg_anthropic__users_unique_key: {
    "a user listed twice in one fetch": { sql: duplicate("raw_anthropic_users", "json_extract_string(record, '$.id') = 'user_1'") },
  },
  assert_stg_anthropic__workspaces_unique_key: {
    "a workspace listed twice in one fetch": { sql: duplicate("raw_anthropic_workspaces", "json_extract_string(record, '$.id') = 'wrkspc_A'") },
  },
  assert_stg_cursor__daily_usage_unique_key: {
    "a member twice on a day in one fetch": { sql: duplicate("raw_cursor_daily_usage", `window_date = DATE '${DAY2}'`) },
  },
  assert_stg_cursor__members_unique_key: {
    "a member listed twice in one snapshot": { sql: duplicate("raw_cursor_members", "json_extract_string(record, '$.email') = 'alice@example.com'") },
  },
  assert_stg_cursor__usage_events_charges: {
    "a chargedCents that does not parse": { sql: `UPDATE ${RAW}.raw_cursor_usage_events SET record = json_merge_patch(record, '{"chargedCents": "ten"}') WHERE json_extract_string(record, '$.userEmail') = 'eve@example.com'` },
    "an event of another day in a day's fetch": {
      sql: `UPDATE ${RAW}.raw_cursor_usage_events SET record = json_merge_patch(record, '{"timestamp": "${Date.parse(`${DAY2}T01:00:00Z`)}"}') WHERE json_extract_string(record, '$.userEmail') = 'eve@example.com'`,
    },
  },
  assert_fct_cost_daily_unique_key: { "a replacement that writes a day twice": { sql: twice("fct_cost_daily", DAY1) } },
  assert_fct_usage_daily_unique_key: { "a replacement that writes a day twice": { sql: twice("fct_usage_daily", DAY1) } },
  assert_fct_seats_daily_unique_key: { "a replacement that writes a day twice": { sql: twice("fct_seats_daily", DAY2) } },
  assert_fct_usage_daily_counters: {
    "a vendor's negative tokens and more tab completions accepted than shown, loaded and built": {
      land: {
        run: "20261104T060000000Z-badbad",
        rows: {
          raw_cursor_daily_usage: [{ day: "2026-11-03", record: { userId: "user_a", email: "alice@example.com", day: "2026-11-03", isActive: true, totalTabsShown: 3, totalTabsAccepted: 7 } }],
          raw_anthropic_claude_code: [{
            day: "2026-11-03",
            record: {
              date: "2026-11-03T00:00:00Z", actor: { type: "user_actor", email_address: "bob@example.com" }, customer_type: "api", terminal_type: "vscode",
              model_breakdown: [{ model: "claude-opus-4-6", tokens: { input: -500, output: 10, cache_read: 0, cache_creation: 0 }, estimated_cost: { amount: 1, currency: "USD" } }],
            },
          }],
        },
      },
    },
  },
  assert_fct_seats_daily_prices: {
    "a seat price typed negative in the seats tab, loaded and built": {
      // a second load of the tab on the snapshot's day replaces it, for every day it is in force
      land: { run: "20261104T060000000Z-badbad", rows: { raw_mapping_seats: [{ day: DAY2, record: { tool: "cursor", plan: "business", monthly_price_usd: "-40", effective_from: "" } }] } },
    },
  },
  assert_reconcile_anthropic_cost: {
    "a cost line whose amount does not parse": { sql: `UPDATE ${RAW}.raw_anthropic_cost_report SET record = json_merge_patch(record, '{"amount": "12O.5"}') WHERE json_extract_string(record, '$.amount') = '1000'` },
    "a restated line the facts have not been rebuilt for": {
      land: { run: "20261104T060000000Z-cccccc", rows: { raw_anthropic_cost_report: [{ day: DAY1, record: { amount: "42", currency: "USD", description: "only line", cost_type: "tokens", token_type: "output_tokens", model: "claude-opus-4-6", workspace_id: "wrkspc_A" } }] } },
    },
  },
  assert_reconcile_cursor_cost: {
    "an event whose chargedCents does not parse": { sql: `UPDATE ${RAW}.raw_cursor_usage_events SET record = json_merge_patch(record, '{"chargedCents": "ten"}') WHERE json_extract_string(record, '$.userEmail') = 'eve@example.com'` },
  },
  assert_cursor_spend_snapshot: {
    "a spend snapshot far above the events of its cycle": {
      land: {
        run: "20261103T070000000Z-ffffff",
        fetchedAt: "2026-11-03 07:00:00",
        rows: { raw_cursor_spend: [{ day: DAY2, record: { userId: "user_a", email: "alice@example.com", spendCents: 5000, overallSpendCents: 5000, subscriptionCycleStart: Date.parse(`${DAY1}T00:00:00Z`) } }] },
      },
    },
  },
  assert_raw_freshness: {
    "a stream whose last load finished three days ago": { sql: `UPDATE ${RAW}.raw_load_runs SET finished_at = now()::TIMESTAMP - INTERVAL 3 DAY WHERE stream = 'cost_report'` },
  },
};

let dir: string;
let base: string;
let graph: CompiledGraph;
let copies = 0;
const hasDailyCheck = (assertion: string) => (graph.operations ?? []).some((o) => o.target.name === `${assertion}${DAILY}`);

beforeAll(async () => {
  dir = tempDir("aiua-assertions-");
  base = path.join(dir, "base.duckdb");
  await createFixtureWarehouse(base);
  graph = await compileForDataset({ dataset: DATASET });
  const built = await runGraph(graph, { db: base });
  expect(built.actions.filter((a) => a.status !== "succeeded").map((a) => a.name)).toEqual([]);
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("assertions", () => {
  it("each kept check has a crafted wrong input below; each weekly assertion a daily check", () => {
    expect((graph.assertions ?? []).map((a) => a.target.name).sort()).toEqual(Object.keys(CASES).sort());
    const daily = (graph.operations ?? []).filter((o) => o.tags?.includes("assertions")).map((o) => o.target.name);
    const weekly = (graph.assertions ?? []).filter((a) => a.tags?.includes("weekly")).map((a) => a.target.name);
    expect(daily.sort()).toEqual(weekly.map((name) => `${name}${DAILY}`).sort());
    // the weekly workflow config (infra/dataform.tf) runs the tag: it holds the assertions and nothing else
    expect(weekly.length).toBeGreaterThan(0);
    const tagged = [...(graph.tables ?? []), ...(graph.operations ?? [])].filter((a) => a.tags?.includes("weekly"));
    expect(tagged.map((a) => a.target.name)).toEqual([]);
  });

  for (const [assertion, cases] of Object.entries(CASES)) {
    for (const [what, craft] of Object.entries(cases)) {
      it(`${assertion} (and its daily check) fails on ${what}`, async () => {
        const file = path.join(dir, `case-${++copies}.duckdb`);
        copyFileSync(base, file);
        if (craft.sql) await exec(file, craft.sql);
        const checks = hasDailyCheck(assertion) ? [assertion, `${assertion}${DAILY}`] : [assertion];
        let actions = checks;
        if (craft.land) {
          await appendRun(file, craft.land);
          // a vendor's input reaches the facts through a build; a restated line or a snapshot is checked as landed,
          // once the load runs are read again, as every build starts by doing (stg_loads__runs)
          actions = assertion.startsWith("assert_fct_") ? [] : ["stg_loads__runs", ...checks];
        }
        const r = await runGraph(graph, actions.length ? { db: file, actions } : { db: file });
        const weekly = r.actions.find((a) => a.name === assertion)!;
        expect(weekly.status, `${assertion} on ${what}`).toBe("failed");
        expect(weekly.failingRowCount ?? 0).toBeGreaterThan(0);
        const daily = r.actions.find((a) => a.name === `${assertion}${DAILY}`);
        if (hasDailyCheck(assertion)) {
          expect(daily?.status, `${assertion}${DAILY} on ${what}`).toBe("failed");
          expect(daily?.error).toContain(`${assertion} failed on a day the build changed`);
        }
        // a fact's checks run after a whole build: nothing else may fail on that input
        if (!actions.length) expect(r.actions.filter((a) => a.status !== "succeeded").map((a) => a.name).sort()).toEqual(checks);
      }, 120_000);
    }
  }

  it("the daily check reads only the days the last build changed; the weekly assertion every day", async () => {
    const file = path.join(dir, `case-${++copies}.duckdb`);
    copyFileSync(base, file);
    // a re-fetch of DAY2's daily usage: the next build replaces DAY2 (and the days its snapshot is in force), not DAY1
    await appendRun(file, {
      run: "20261104T060000000Z-dddddd",
      rows: { raw_cursor_daily_usage: [{ day: DAY2, record: { userId: "user_a", email: "alice@example.com", day: DAY2, isActive: true, totalTabsShown: 3, totalTabsAccepted: 1 } }] },
    });
    const built = await runGraph(graph, { db: file, tags: ["daily"] });
    expect(built.actions.filter((a) => a.status !== "succeeded").map((a) => a.name)).toEqual([]);
    const rows = await query(file, `SELECT replaced_days FROM ${DATASET}.build_log WHERE table_name = 'fct_cost_daily' ORDER BY built_at DESC LIMIT 1`);
    expect(JSON.stringify(rows[0]?.replaced_days)).not.toContain(DAY1);
    await exec(file, twice("fct_cost_daily", DAY1));
    const name = "assert_fct_cost_daily_unique_key";
    const r = await runGraph(graph, { db: file, actions: [name, `${name}${DAILY}`] });
    expect(r.actions.map((a) => [a.name, a.status])).toEqual([[name, "failed"], [`${name}${DAILY}`, "succeeded"]]);
  }, 120_000);
});
