// The benchmark's building blocks at a tiny size: the arithmetic behind each target, and the load/baseline/api
// scenarios end to end against a real simulator process, so `npm run bench` is known to work.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { apiScenario } from "../../bench/api.ts";
import { flatness, ingestScenario } from "../../bench/ingest.ts";
import { formatTable, limitFloorMs, met, minimumRequests, requestsMade, type Figure } from "../../bench/metrics.ts";
import { parseOptions } from "../../bench/options.ts";
import { dailyAllowance, type ActionCost } from "../../bench/warehouse.ts";

const served = {
  "cursor.members": 172, "cursor.daily_usage": 15372, "cursor.usage_events": 54721, "cursor.spend": 172,
  "anthropic.usage_messages": 13474, "anthropic.cost_report": 7518, "anthropic.claude_code": 4263,
  "anthropic.api_keys": 162, "anthropic.workspaces": 5, "anthropic.users": 1500,
  "mapping.people": 199, "mapping.api_key_owners": 2, "mapping.budgets": 57, "mapping.seats": 1,
};

describe("minimum requests", () => {
  it("takes the larger of one request per range chunk (or day) and the pages the records need", () => {
    const min = minimumRequests(90, served);
    expect(min["cursor.usage_events"]).toBe(90); // one UTC day a request (design.md §2) > 54721 events / 1000 a page
    expect(minimumRequests(30, { ...served, "cursor.usage_events": 54721 })["cursor.usage_events"]).toBe(55); // pages > days
    expect(min["cursor.daily_usage"]).toBe(3); // 3 chunks; 15372 rows fit 1000 users × 30 days a page
    expect(min["cursor.spend"]).toBe(2); // 172 / 100
    expect(min["anthropic.usage_messages"]).toBe(3); // 90 buckets / 31 a page
    expect(min["anthropic.claude_code"]).toBe(90); // one day a call
    expect(min["anthropic.users"]).toBe(2); // 1500 / 1000
    expect(min.mapping).toBe(1); // one batchGet reads every tab
    expect(minimumRequests(1, { ...served, "cursor.usage_events": 10 })["cursor.usage_events"]).toBe(1);
  });

  it("names what is missing", () => {
    const { "cursor.spend": _gone, ...partial } = served;
    expect(() => minimumRequests(90, partial)).toThrow("cursor.spend");
    expect(() => minimumRequests(0, served)).toThrow("days");
  });

  it("groups the mapping's two routes and counts every status", () => {
    expect(requestsMade({ "mapping.values_get": 4, "mapping.batch_get": 1, "cursor.members": 2 })).toEqual({ mapping: 5, "cursor.members": 2 });
  });
});

describe("limit floor", () => {
  it("is the slowest limit family's requests at its per-minute rate, in compressed time", () => {
    // Anthropic: 99 requests at 60/min = 99 s; Cursor admin 3 at 20/min = 9 s; time ×5.
    const byRoute = { "anthropic.claude_code": 90, "anthropic.cost_report": 9, "cursor.members": 1, "cursor.spend": 2 };
    expect(limitFloorMs(byRoute, 5)).toEqual({ floorMs: 19_800, family: "anthropic" });
    expect(limitFloorMs({ "cursor.members": 1, "cursor.spend": 59 }, 1).family).toBe("cursor.admin");
    expect(() => limitFloorMs(byRoute, 0)).toThrow("timeScale");
  });
});

describe("result table and targets", () => {
  const figures: Figure[] = [
    { scenario: "s", name: "ratio", value: 1.2, unit: "×", target: { op: "<=", limit: 1.5 } },
    { scenario: "s", name: "429s", value: 3, unit: "", target: { op: "<=", limit: 0 } },
    { scenario: "s", name: "info", value: 12345, unit: "rows" },
  ];

  it("marks each target met or not met, and leaves plain figures unjudged", () => {
    expect(figures.map(met)).toEqual([true, false, undefined]);
    const table = formatTable(figures).split("\n");
    expect(table[0]).toMatch(/^scenario\s+figure\s+value\s+target\s+result$/);
    expect(table[2]).toContain("met");
    expect(table[3]).toContain("NOT MET");
    expect(table[4]).toContain("12345 rows");
  });

  it("judges memory flat only when the larger backfill costs at most 15 % more", () => {
    expect(met(flatness("m", { days: 90, peakRssBytes: 200 }, { days: 365, peakRssBytes: 220 }))).toBe(true);
    expect(met(flatness("m", { days: 90, peakRssBytes: 200 }, { days: 365, peakRssBytes: 260 }))).toBe(false);
  });

  it("allows a daily run the facts' changed-days share of a full refresh's partition rows plus the whole dimensions", () => {
    const action = (name: string, partitionRows: number, kind: ActionCost["kind"] = "table"): ActionCost => ({ name, kind, tags: [], status: "succeeded", ms: 1, rowsScanned: 0, partitionRows });
    const full = [action("fct_cost_daily", 36_500, "incremental"), action("dim_users", 100), action("fct_cost_daily_assert", 999, "assertion"), action("stg_x", 5000, "view")];
    expect(dailyAllowance(full, 3, 365)).toBe(400 + 100);
  });

  it("parses its options and rejects bad ones by name", () => {
    const o = parseOptions(["--quick", "--only", "1,3", "--out", "x.json"]);
    expect([o.users, o.days, [...o.only]]).toEqual([60, 30, [1, 3]]);
    expect(o.out).toBe(path.resolve("x.json"));
    expect(() => parseOptions(["--days", "0"])).toThrow("option '--days <n>' argument '0' is invalid");
    expect(() => parseOptions(["--only", "7"])).toThrow("option '--only <list>' argument '7' is invalid");
  });
});

describe("scenarios at a tiny size", () => {
  const workDir = mkdtempSync(path.join(tmpdir(), "aiua-bench-test-"));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it("ingest: the pipeline and the raw baseline fetch the same bytes; throughput per stream", async () => {
    const r = await ingestScenario({ seed: 3, users: 6, days: 3, endDate: "2026-10-31", workDir, repeat: 1 });
    expect(r.records).toBeGreaterThan(0);
    expect(r.bytes).toBeGreaterThan(0); // the scenario throws when the baseline's bytes differ
    expect(r.streams.map((s) => s.stream)).toContain("cursor.usage_events");
    expect(r.peakRssBytes).toBeGreaterThan(20 * 2 ** 20);
    const ratio = r.figures.find((f) => f.name === "pipeline / baseline")!;
    expect(ratio.value).toBeGreaterThan(0);
    expect(Number.isFinite(ratio.value)).toBe(true);
  }, 60_000);

  it("api: at the simulator's limits no 429, and requests made are at least the contract minimum", async () => {
    const r = await apiScenario({ seed: 3, users: 6, days: 3, endDate: "2026-10-31", timeScale: 60, workDir });
    expect(r.byStatus["429"] ?? 0).toBe(0);
    for (const [group, min] of Object.entries(r.minimum)) expect(r.made[group] ?? 0).toBeGreaterThanOrEqual(min);
    expect(r.wallMs).toBeGreaterThan(0);
    expect(r.floorMs).toBeGreaterThan(0);
  }, 60_000);
});
