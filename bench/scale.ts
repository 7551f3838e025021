// Scenario 6: a big company on one machine. The full local build as npm start runs it (the load at the simulated
// vendors' limits, every model, the dashboard), then the next day's load and incremental build, each step in a
// process of its own (wall time, peak RSS); the dashboard's size and open time in headless Chromium; and what the
// daily build would read on BigQuery against a full refresh (a copy of the warehouse built with bench/bigquery-cost.ts
// watching every statement, so the timed builds run unwatched).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { withSimulator } from "../cli/simulated.ts";
import { SIMULATED_TIME_SCALE } from "../simulator/server.ts";
import { DEFAULT_DUCKDB_MEMORY_LIMIT } from "../loaders/core/config.ts";
import { addDays } from "../loaders/core/days.ts";
import { compileForDataset } from "../runner/index.ts";
import { runChild, runCommand, type CommandRun } from "./children.ts";
import type { ChildResult } from "./load-child.ts";
import type { Figure } from "./metrics.ts";
import { BENCH_VARS, buildFigures, changedDays, DATASET, failures, profiledBuild, type ProfiledRun, type WarehouseOptions } from "./warehouse.ts";

/** The targets of issue 13 (2,000 people × 365 days, 2 cores). */
const SCALE_TARGETS = { peakRssBytes: 2 * 2 ** 30, fullBuildMs: 180_000, dailyBuildMs: 30_000, dashboardBytes: 5 * 2 ** 20, openMs: 3_000 };

const CHROMIUM = "/usr/bin/chromium";

/** Headless Chromium's time from navigation to the dashboard's script having run (Chromium's start not counted). */
async function openTime(file: string): Promise<number | undefined> {
  if (!existsSync(CHROMIUM)) return undefined; // .ci/setup-browser installs it
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const t0 = performance.now();
    await page.goto(`file://${file}`, { timeout: 600_000 });
    await page.waitForFunction(() => "__dashboard" in window, undefined, { timeout: 600_000 });
    return performance.now() - t0;
  } finally {
    await browser.close();
  }
}

interface ScaleResult {
  historyLoad: ChildResult;
  fullBuild: CommandRun;
  report: CommandRun & { bytes: number; openMs?: number };
  dailyLoad: ChildResult;
  dailyBuild: CommandRun;
  bigquery: { full: ProfiledRun; daily: ProfiledRun; weekly: ProfiledRun; changedDays: number };
  figures: Figure[];
}

/** The scale scenario; its company has the warehouse scenario's knobs. */
export async function scaleScenario(o: WarehouseOptions): Promise<ScaleResult> {
  const dir = mkdtempSync(path.join(o.workDir, "scale-"));
  const copy = path.join(dir, "bigquery");
  mkdirSync(copy);
  const warehouse = path.join(dir, "warehouse.duckdb");
  // The commands read their configuration from these variables only (a folder with no .env, the shell's not passed).
  const env = { WAREHOUSE: `duckdb:${warehouse}`, LAKE_URI: `file://${path.join(dir, "lake")}`, LOG_LEVEL: "warn" };
  const cwd = mkdtempSync(path.join(tmpdir(), "aiua-bench-cwd-"));
  const progress = (line: string) => process.stderr.write(`  ${line}\n`);
  const load = (endDate: string, days: number, lookback: number, into: string[]) =>
    withSimulator({ seed: o.seed, users: o.users, historyDays: o.historyDays, endDate, timeScale: SIMULATED_TIME_SCALE }, async (sim) => {
      const runs: ChildResult[] = [];
      for (const target of into) runs.push(await runChild({ kind: "pipeline", env: sim.env, dir: target, days, endDate, timeScale: SIMULATED_TIME_SCALE, lookback }));
      if (!runs.every((r) => r.summary?.ok)) throw new Error(`scale: the load of ${days} days up to ${endDate} failed`);
      return runs[0]!;
    });

  progress(`loading ${o.historyDays} days of ${o.users} people at the simulated limits (time ×${SIMULATED_TIME_SCALE}) ...`);
  const historyLoad = await load(addDays(o.endDate, -1), o.historyDays, 0, [dir]);
  copyFileSync(warehouse, path.join(copy, "warehouse.duckdb"));
  progress(`loaded in ${(historyLoad.ms / 1000).toFixed(0)} s; building every model ...`);
  const models = ["run", "--vars", `freshness_max_hours=${BENCH_VARS.freshness_max_hours},lookback_days=${o.lookback}`];
  const fullBuild = await runCommand("runner/cli.ts", models, env, cwd);
  progress(`built in ${(fullBuild.ms / 1000).toFixed(0)} s; writing the dashboard ...`);
  const dashboard = path.join(dir, "report", "index.html");
  const report = await runCommand("report/cli.ts", ["--out", dashboard], env, cwd);
  const bytes = statSync(dashboard).size;
  const openMs = await openTime(dashboard);

  progress("the same full build, every statement watched for BigQuery's partition rows ...");
  const graph = await compileForDataset({ dataset: DATASET, vars: { ...BENCH_VARS, lookback_days: String(o.lookback) } });
  const bqFull = await profiledBuild(graph, path.join(copy, "warehouse.duckdb"), copy, true);
  progress("the next day's load and daily build ...");
  const dailyLoad = await load(o.endDate, 1, o.lookback, [dir, copy]);
  const dailyBuild = await runCommand("runner/cli.ts", models, env, cwd);
  const bqDaily = await profiledBuild(graph, path.join(copy, "warehouse.duckdb"), copy, false);
  progress("the weekly checks (all history), watched ...");
  const bqWeekly = await profiledBuild(graph, path.join(copy, "warehouse.duckdb"), copy, false, "weekly");
  if (!bqFull.ok || !bqDaily.ok || !bqWeekly.ok) throw new Error(`scale: the watched builds failed: ${failures(bqFull, bqDaily, bqWeekly)}`);
  const changed = await changedDays(path.join(copy, "warehouse.duckdb"));

  const scenario = `6 scale ${o.users}u × ${o.historyDays} d`;
  const rss = (name: string, bytes: number): Figure => ({ scenario, name: `${name}: peak RSS`, value: bytes / 2 ** 20, unit: "MB", target: { op: "<=", limit: SCALE_TARGETS.peakRssBytes / 2 ** 20 } });
  const figures: Figure[] = [
    { scenario, name: `full local build: load + models + dashboard (${((historyLoad.ms + fullBuild.ms + report.ms) / 60_000).toFixed(1)} min)`, value: (historyLoad.ms + fullBuild.ms + report.ms) / 1000, unit: "s" },
    { scenario, name: `  load ${o.historyDays} days at the simulated limits (×${SIMULATED_TIME_SCALE}): wall time`, value: historyLoad.ms / 1000, unit: "s" },
    rss("  load (loader process)", historyLoad.peakRssBytes),
    { scenario, name: "  models, first build: wall time (compile included)", value: fullBuild.ms / 1000, unit: "s", target: { op: "<=", limit: SCALE_TARGETS.fullBuildMs / 1000 } },
    rss(`  models, first build (DuckDB memory_limit ${DEFAULT_DUCKDB_MEMORY_LIMIT})`, fullBuild.peakRssBytes),
    { scenario, name: "  dashboard: wall time", value: report.ms / 1000, unit: "s" },
    rss("  dashboard", report.peakRssBytes),
    { scenario, name: "dashboard size", value: bytes / 2 ** 20, unit: "MB", target: { op: "<=", limit: SCALE_TARGETS.dashboardBytes / 2 ** 20 } },
    ...(openMs === undefined ? [] : [{ scenario, name: "dashboard open time, headless Chromium", value: openMs / 1000, unit: "s", target: { op: "<=", limit: SCALE_TARGETS.openMs / 1000 } } satisfies Figure]),
    { scenario, name: `daily load (1 day + ${o.lookback} lookback): wall time`, value: dailyLoad.ms / 1000, unit: "s" },
    { scenario, name: `daily build (${changed} days changed): wall time`, value: dailyBuild.ms / 1000, unit: "s", target: { op: "<=", limit: SCALE_TARGETS.dailyBuildMs / 1000 } },
    rss("daily build", dailyBuild.peakRssBytes),
    ...buildFigures(scenario, bqFull, bqDaily, changed, o.historyDays, bqWeekly).filter((f) => !/time$/.test(f.name)),
  ];
  return {
    historyLoad,
    fullBuild: { ...fullBuild, stdout: "", stderr: fullBuild.stderr.slice(-4000) },
    report: { ...report, bytes, ...(openMs === undefined ? {} : { openMs }), stderr: "" },
    dailyLoad,
    dailyBuild: { ...dailyBuild, stdout: "", stderr: dailyBuild.stderr.slice(-4000) },
    bigquery: { full: bqFull, daily: bqDaily, weekly: bqWeekly, changedDays: changed },
    figures,
  };
}
