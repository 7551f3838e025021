// The loaders against the simulated organization over real HTTP: every stream lands, nothing is lost or counted
// twice under each fault switch (records served = landed + quarantined, by the simulator's own count), pacing
// at the vendors' limits meets no 429, and a re-run converges.
import { afterAll, describe, expect, it } from "vitest";
import { emptyDaysNote, runLoad } from "../../loaders/index.ts";
import { configuredStreams } from "../../loaders/sources.ts";
import { silentLogger } from "../../loaders/core/log.ts";
import { rawTable } from "../../loaders/core/warehouse.ts";
import type { FaultOptions, Simulator } from "../../simulator/index.ts";
import { query } from "../helpers/duckdb.ts";
import { addDays } from "../../simulator/dates.ts";
import { loadSimulatedWarehouse } from "../helpers/pipeline.ts";
import { END } from "../simulator/helpers.ts";

const sims: Simulator[] = [];
afterAll(async () => Promise.all(sims.map((s) => s.close())));

const RAW = "ai_usage_dev_raw";

async function landedPerStream(warehouse: string, runId: string) {
  const counts: Record<string, { landed: number; quarantined: number }> = {};
  const q = await query(warehouse, `SELECT source || '.' || stream s, count(*)::INT n FROM ${RAW}.raw_quarantine WHERE run_id = '${runId}' GROUP BY 1`);
  const quarantined = Object.fromEntries(q.map((r) => [r.s, r.n as number]));
  const tables = await query(warehouse, `SELECT table_name FROM information_schema.tables WHERE table_schema = '${RAW}' AND table_name NOT IN ('raw_quarantine', 'raw_load_runs')`);
  for (const { table_name } of tables) {
    const [, source, ...rest] = String(table_name).split("_");
    const stream = `${source}.${rest.join("_")}`;
    const [row] = await query(warehouse, `SELECT count(*)::INT n FROM ${RAW}.${table_name} WHERE run_id = '${runId}'`);
    counts[stream] = { landed: row!.n as number, quarantined: quarantined[stream] ?? 0 };
  }
  return counts;
}

function expectNothingLost(sim: Simulator, landed: Record<string, { landed: number; quarantined: number }>) {
  const served = sim.served();
  const invalid = sim.invalidServed();
  expect(Object.keys(served).sort()).toEqual(Object.keys(landed).sort());
  for (const [stream, n] of Object.entries(served)) {
    expect({ stream, total: landed[stream]!.landed + landed[stream]!.quarantined, quarantined: landed[stream]!.quarantined }).toEqual({
      stream,
      total: n,
      quarantined: invalid[stream] ?? 0,
    });
  }
}

describe("loading the simulated organization", () => {
  it("lands every stream, paced so that the vendors' limits are never hit, with nothing lost", async () => {
    const run = await loadSimulatedWarehouse({ days: 10, users: 20 });
    sims.push(run.sim);
    expect(run.summary.ok).toBe(true);
    const landed = await landedPerStream(run.warehousePath, run.summary.runId);
    expect(Object.keys(landed)).toHaveLength(14);
    for (const [stream, { landed: n }] of Object.entries(landed)) expect({ stream, hasRows: n > 0 }).toEqual({ stream, hasRows: true });
    expectNothingLost(run.sim, landed);
    expect(run.sim.requestStats().byStatus["429"] ?? 0).toBe(0);
  });

  const faults: [string, FaultOptions][] = [
    ["5xx bursts", { serverErrors: 0.25 }],
    ["429 storms", { rateLimitStorm: 0.25 }],
    ["slow responses", { slowMs: 40 }],
    ["truncated bodies", { truncatedBodies: 0.2 }],
    ["invalid records", { invalidRecords: 0.05 }],
    ["unknown new fields", { unknownFields: true }],
  ];
  it.each(faults)("under %s every record served is landed or quarantined", async (_name, f) => {
    const run = await loadSimulatedWarehouse({ days: 4, users: 10, seed: 11, sim: { faults: f } });
    sims.push(run.sim);
    expect(run.summary.streams.filter((s) => s.status !== "succeeded")).toEqual([]);
    expectNothingLost(run.sim, await landedPerStream(run.warehousePath, run.summary.runId));
    if (f.invalidRecords) expect(run.summary.streams.reduce((n, s) => n + s.quarantined, 0)).toBeGreaterThan(0);
    if (f.serverErrors || f.rateLimitStorm || f.truncatedBodies) expect(run.summary.streams.reduce((n, s) => n + s.retries, 0)).toBeGreaterThan(0);
  });

  it("a second run appends a new fetch, and each window's latest complete fetch holds the same records", async () => {
    const first = await loadSimulatedWarehouse({ days: 5, users: 12, seed: 3 });
    sims.push(first.sim);
    const end = first.sim.options.endDate;
    const now = () => new Date(Date.parse(`${end}T06:00:00Z`) + 86_400_000);
    // each window's latest complete fetch, found from raw_load_runs as the models do (data-contract.md)
    const latest = async () => {
      const views: Record<string, unknown[]> = {};
      for (const def of configuredStreams(first.config, silentLogger)) {
        views[`${def.source}.${def.name}`] = await query(
          first.warehousePath,
          `WITH fetched AS (
             SELECT CAST(json_extract_string(d, '$') AS DATE) AS window_date, max(run_id) AS run_id
             FROM ${RAW}.raw_load_runs, unnest(CAST(windows AS JSON[])) AS t(d)
             WHERE source = '${def.source}' AND stream = '${def.name}' GROUP BY ALL)
           SELECT r.window_date::VARCHAR AS day, r.record::VARCHAR AS record
           FROM ${RAW}.${rawTable(def.source, def.name)} AS r JOIN fetched USING (window_date, run_id) ORDER BY ALL`,
        );
      }
      return views;
    };
    const before = await latest();
    const again = await runLoad(first.config, { mode: "development", days: 5, end }, { now });
    expect(again.ok).toBe(true);
    const runs = await query(first.warehousePath, `SELECT count(DISTINCT run_id)::INT n FROM ${RAW}.raw_cursor_usage_events`);
    expect(runs).toEqual([{ n: 2 }]);
    expect(await latest()).toEqual(before);
  });

  it("says which days of a range the vendors answered empty, e.g. before their history", async () => {
    const run = await loadSimulatedWarehouse({ days: 15, users: 6, seed: 9, endDate: END, sim: { historyDays: 10 } });
    sims.push(run.sim);
    expect(run.summary.ok).toBe(true);
    const events = run.summary.streams.find((s) => s.stream === "usage_events")!;
    // the simulator serves today and the 10 days before it: the range's first 5 days are beyond its history
    const beyond = Array.from({ length: 5 }, (_, i) => addDays(END, i - 14));
    expect(events.emptyDays).toEqual(expect.arrayContaining(beyond));
    expect(events.windows).toHaveLength(15);
    expect(emptyDaysNote(events)).toMatch(new RegExp(`^; no records on \\d+ of 15 days \\(${beyond[0]}\\.\\.`));
  });
});
