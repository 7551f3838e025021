// Scenarios 4 and 5: what the models cost on DuckDB. Rows scanned come from DuckDB's own profiler
// (cumulative_rows_scanned of every statement the runner sends), per Dataform action.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { compileForDataset, runGraph, type ActionResult, type CompiledGraph, type RunResult } from "../runner/index.ts";
import { runChild } from "./children.ts";
import type { Figure } from "./metrics.ts";
import { withSimulator } from "./sim.ts";

const DATASET = "ai_usage_dev";

export interface ActionCost {
  name: string;
  kind: ActionResult["kind"];
  status: ActionResult["status"];
  ms: number;
  rowsScanned: number;
}

export interface ProfiledRun {
  ok: boolean;
  ms: number;
  rowsScanned: number;
  actions: ActionCost[];
}

/** A connection whose every statement is profiled; rows scanned are added to the action that sent it. */
async function profiledConnection(dbPath: string, profileFile: string) {
  const instance = await DuckDBInstance.create(dbPath);
  const conn = await instance.connect();
  await conn.run("PRAGMA enable_profiling = 'json'");
  await conn.run(`PRAGMA profiling_output = '${profileFile.replace(/'/g, "''")}'`);
  const scanned = new Map<string, number>();
  let current = "(setup)";
  const measured = <T>(work: () => Promise<T>) => async () => {
    rmSync(profileFile, { force: true }); // a statement that writes no profile must not count the previous one's
    const result = await work();
    if (existsSync(profileFile)) {
      const profile = JSON.parse(readFileSync(profileFile, "utf8")) as { cumulative_rows_scanned?: number };
      scanned.set(current, (scanned.get(current) ?? 0) + (profile.cumulative_rows_scanned ?? 0));
    }
    return result;
  };
  const proxy = new Proxy(conn, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop === "run" || prop === "runAndReadAll") {
        return (...args: unknown[]) => measured(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args))();
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as DuckDBConnection;
  return {
    conn: proxy,
    scanned,
    setAction: (name: string) => void (current = name),
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

export async function profiledBuild(graph: CompiledGraph, dbPath: string, workDir: string, fullRefresh: boolean): Promise<ProfiledRun> {
  const profiled = await profiledConnection(dbPath, path.join(workDir, `profile-${fullRefresh ? "full" : "incremental"}.json`));
  let run: RunResult;
  try {
    run = await runGraph(graph, {
      db: profiled.conn,
      fullRefresh,
      onProgress: (e) => {
        if (e.type === "start") profiled.setAction(e.action.key);
      },
    });
  } finally {
    profiled.close();
  }
  const actions = run.actions.map((a) => ({ name: a.name, kind: a.kind, status: a.status, ms: a.durationMs, rowsScanned: profiled.scanned.get(a.target) ?? 0 }));
  return { ok: run.ok, ms: run.durationMs, rowsScanned: actions.reduce((n, a) => n + a.rowsScanned, 0), actions };
}

const isFact = (a: ActionCost) => a.kind !== "assertion" && a.name.startsWith("fct_");
const isDimension = (a: ActionCost) => a.kind !== "assertion" && a.name.startsWith("dim_");
const sum = (actions: ActionCost[], pick: (a: ActionCost) => boolean) => actions.filter(pick).reduce((n, a) => n + a.rowsScanned, 0);

/**
 * Rows a daily run may scan: the full refresh's fact rows for (lookback + 1) of historyDays days, plus the
 * dimensions (rebuilt whole every run).
 */
export function dailyAllowance(full: ActionCost[], lookback: number, historyDays: number): number {
  return (sum(full, isFact) * (lookback + 1)) / historyDays + sum(full, isDimension);
}

const CATEGORIES: [string, (a: ActionCost) => boolean][] = [
  ["facts (fct_*)", isFact],
  ["dimensions (dim_*)", isDimension],
  ["assertions", (a) => a.kind === "assertion"],
  ["other tables (int_*, stg_*, operations)", (a) => a.kind !== "assertion" && !isFact(a) && !isDimension(a)],
];

/** Where the rows are scanned: full refresh vs daily run per kind of action (plain figures). */
function breakdown(scenario: string, full: ActionCost[], daily: ActionCost[]): Figure[] {
  return CATEGORIES.map(([label, pick]) => ({
    scenario,
    name: `  ${label}: daily / full rows scanned (${sum(daily, pick)} / ${sum(full, pick)})`,
    value: sum(full, pick) ? sum(daily, pick) / sum(full, pick) : 0,
    unit: "×",
  }));
}

export interface WarehouseOptions {
  seed: number;
  users: number;
  historyDays: number;
  lookback: number;
  endDate: string;
  workDir: string;
}

export interface WarehouseResult {
  compileMs: number;
  full: ProfiledRun;
  incremental: ProfiledRun;
  allowance: number;
  figures: Figure[];
}

const dayBefore = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/** History up to the day before endDate, built in full; then endDate's daily load and incremental build. */
export async function warehouseScenario(o: WarehouseOptions): Promise<WarehouseResult> {
  const dir = mkdtempSync(path.join(o.workDir, "warehouse-"));
  const dbPath = path.join(dir, "warehouse.duckdb");
  // Each load meets the simulator on its own morning: the same company and days, that morning's snapshots.
  const load = (endDate: string, days: number, lookback = 0) =>
    withSimulator({ seed: o.seed, users: o.users, historyDays: o.historyDays, endDate, timeScale: false }, (sim) =>
      runChild({ kind: "pipeline", env: sim.env, dir, days, endDate, timeScale: 1e6, lookback }),
    );
  const history = await load(dayBefore(o.endDate), o.historyDays);
  if (!history.summary?.ok) throw new Error("warehouse: the history load failed");
  const t0 = performance.now();
  const graph = await compileForDataset({ dataset: DATASET, vars: { lookback_days: String(o.lookback) } });
  const compileMs = performance.now() - t0;
  const full = await profiledBuild(graph, dbPath, dir, true);
  const daily = await load(o.endDate, 1, o.lookback);
  if (!daily.summary?.ok) throw new Error("warehouse: the daily load failed");
  const incremental = await profiledBuild(graph, dbPath, dir, false);
  if (!full.ok || !incremental.ok) {
    const failed = [...full.actions, ...incremental.actions].filter((a) => a.status === "failed").map((a) => a.name);
    throw new Error(`warehouse: the models failed: ${[...new Set(failed)].join(", ")}`);
  }
  const allowance = dailyAllowance(full.actions, o.lookback, o.historyDays);
  const scenario = `4 warehouse ${o.users}u, ${o.historyDays} d history`;
  const factShare = sum(incremental.actions, isFact) / sum(full.actions, isFact);
  const figures: Figure[] = [
    { scenario, name: "full refresh: rows scanned", value: full.rowsScanned, unit: "rows" },
    { scenario, name: "full refresh: time", value: full.ms / 1000, unit: "s" },
    { scenario, name: "daily incremental: rows scanned", value: incremental.rowsScanned, unit: "rows" },
    { scenario, name: "daily incremental: time", value: incremental.ms / 1000, unit: "s" },
    { scenario, name: `daily fact rows scanned / full (allowed (${o.lookback}+1)/${o.historyDays})`, value: factShare, unit: "", target: { op: "<=", limit: (o.lookback + 1) / o.historyDays } },
    { scenario, name: "daily rows scanned / allowance (facts share + dimensions)", value: incremental.rowsScanned / allowance, unit: "×", target: { op: "<=", limit: 1 } },
    ...breakdown(scenario, full.actions, incremental.actions),
  ];
  return { compileMs, full, incremental, allowance, figures };
}

export interface ModelsResult {
  compileMs: number;
  runMs: number;
  actions: number;
  figures: Figure[];
}

/** Scenario 5: compile and build the whole graph for the simulator's default company (seed 42, 40 users, 30 days). */
export async function modelsScenario(o: { workDir: string; endDate: string }): Promise<ModelsResult> {
  const dir = mkdtempSync(path.join(o.workDir, "models-"));
  const load = await withSimulator({ seed: 42, users: 40, historyDays: 30, endDate: o.endDate, timeScale: false }, (sim) =>
    runChild({ kind: "pipeline", env: sim.env, dir, days: 30, endDate: o.endDate, timeScale: 1e6 }),
  );
  if (!load.summary?.ok) throw new Error("models: the load failed");
  const t0 = performance.now();
  const graph = await compileForDataset({ dataset: DATASET });
  const compileMs = performance.now() - t0;
  const run = await runGraph(graph, { db: path.join(dir, "warehouse.duckdb"), fullRefresh: true });
  if (!run.ok) throw new Error(`models: ${run.actions.filter((a) => a.status === "failed").map((a) => `${a.name}: ${a.error}`).join("; ")}`);
  const scenario = "5 models, default company 40u×30d";
  return {
    compileMs,
    runMs: run.durationMs,
    actions: run.actions.length,
    figures: [
      { scenario, name: "compile (Dataform CLI)", value: compileMs / 1000, unit: "s" },
      { scenario, name: `run whole graph (${run.actions.length} actions)`, value: run.durationMs / 1000, unit: "s" },
    ],
  };
}
