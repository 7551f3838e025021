// Scenario 3: a backfill at the vendors' real limits (compressed in time): requests against the contract minimum,
// 429s, and wall time against the floor the limits set.
import { mkdtempSync } from "node:fs";
import path from "node:path";
import { runChild } from "./children.ts";
import { limitFloorMs, minimumRequests, requestsMade, type Figure } from "./metrics.ts";
import { spawnSimulator } from "../cli/simulated.ts";

export interface ApiOptions {
  seed: number;
  users: number;
  days: number;
  endDate: string;
  /** Vendor minutes pass this many times faster, in the simulator and the loaders' pacing alike. */
  timeScale: number;
  workDir: string;
}

export interface ApiResult {
  /** Fetch phase: first request to last response. */
  wallMs: number;
  runMs: number;
  floorMs: number;
  floorFamily: string;
  made: Record<string, number>;
  minimum: Record<string, number>;
  byStatus: Record<string, number>;
  figures: Figure[];
}

export async function apiScenario(o: ApiOptions): Promise<ApiResult> {
  const sim = await spawnSimulator({ seed: o.seed, users: o.users, historyDays: o.days, endDate: o.endDate, timeScale: o.timeScale });
  let run;
  let counters;
  try {
    const dir = mkdtempSync(path.join(o.workDir, "api-"));
    run = await runChild({ kind: "pipeline", env: sim.env, dir, days: o.days, endDate: o.endDate, timeScale: o.timeScale });
    counters = await sim.counters();
  } finally {
    await sim.close();
  }
  if (!run.summary?.ok) throw new Error(`api: the load failed: ${JSON.stringify(run.summary?.streams.filter((s) => s.status === "failed"))}`);
  const made = requestsMade(counters.requestStats.byRoute);
  const minimum = minimumRequests(o.days, counters.served);
  const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const { floorMs, family } = limitFloorMs(counters.requestStats.byRoute, o.timeScale);
  // The limits govern the fetching: from the first request to the last response. Opening the warehouse before
  // and landing the tail after are reported with it, not held against the floor.
  const wallMs = run.fetchSpanMs!;
  const scenario = `3 api ${o.users}u×${o.days}d, time ×${o.timeScale}`;
  const figures: Figure[] = [
    { scenario, name: `requests made / minimum (${total(made)} / ${total(minimum)})`, value: total(made) / total(minimum), unit: "×", target: { op: "<=", limit: 1.05 } },
    ...Object.keys(minimum)
      .filter((g) => (made[g] ?? 0) > minimum[g]!)
      .map((g): Figure => ({ scenario, name: `  ${g}: made / minimum (${made[g]} / ${minimum[g]})`, value: made[g]! / minimum[g]!, unit: "×" })),
    { scenario, name: "429 responses", value: counters.requestStats.byStatus["429"] ?? 0, unit: "", target: { op: "<=", limit: 0 } },
    { scenario, name: `fetch wall time / limit floor (${(wallMs / 1000).toFixed(1)} s / ${(floorMs / 1000).toFixed(1)} s, ${family})`, value: wallMs / floorMs, unit: "×", target: { op: "<=", limit: 1.1 } },
    { scenario, name: "whole run incl. warehouse open and landing", value: run.ms / 1000, unit: "s" },
  ];
  return { wallMs, runMs: run.ms, floorMs, floorFamily: family, made, minimum, byStatus: counters.requestStats.byStatus, figures };
}
