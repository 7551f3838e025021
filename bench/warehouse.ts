// Scenarios 4 and 5: what the models cost. On DuckDB, rows scanned from DuckDB's own profiler (cumulative_rows_scanned
// of every statement the runner sends), per Dataform action; on BigQuery, the rows in the partitions each statement's
// scans may read (bench/bigquery-cost.ts), per statement and action.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { datasetNames, loadConfig } from "../loaders/core/config.ts";
import { openDuckDbFile } from "../loaders/core/duckdb-file.ts";
import { addDays } from "../loaders/core/days.ts";
import { actionsOf, compileForDataset, runGraph, type ActionResult, type CompiledGraph, type RunResult } from "../runner/index.ts";
import { partitionColumns, statementCost, type StatementCost } from "./bigquery-cost.ts";
import { runChild } from "./children.ts";
import type { Figure } from "./metrics.ts";
import { withSimulator } from "../cli/simulated.ts";

export const DATASET = "ai_usage_dev";
/** The bench's data ends on a fixed day, long before the machine's clock: the freshness check must not count that. */
export const BENCH_VARS = { freshness_max_hours: "100000" };

export interface ActionCost {
  name: string;
  kind: ActionResult["kind"];
  /** The action's Dataform tags ("assertions" marks the daily checks, which are operations). */
  tags: string[];
  status: ActionResult["status"];
  error?: string;
  ms: number;
  rowsScanned: number;
  /** BigQuery: rows in the partitions this action's statements may read. */
  partitionRows: number;
}

export interface ProfiledRun {
  ok: boolean;
  ms: number;
  rowsScanned: number;
  partitionRows: number;
  actions: ActionCost[];
  statements: StatementCost[];
}

/**
 * A connection whose every statement is profiled: DuckDB's rows scanned, and what BigQuery would bill (measured from
 * the plan before the statement runs), added to the action that sent it.
 */
async function profiledConnection(dbPath: string, profileFile: string, graph: CompiledGraph) {
  // the budget npm start's builds have (the configuration's default for this warehouse)
  const { warehouse } = loadConfig({ WAREHOUSE: `duckdb:${dbPath}` });
  const db = await openDuckDbFile(dbPath, warehouse.kind === "duckdb" ? { memory: warehouse.memory } : {});
  const conn = db.connection;
  const counter = await db.instance.connect();
  const names = datasetNames(DATASET);
  const partitioned = await partitionColumns(conn, graph, names.raw);
  const schemas = new Set([names.base, names.raw, names.assertions]);
  await conn.run("PRAGMA enable_profiling = 'json'");
  await conn.run(`PRAGMA profiling_output = '${profileFile.replace(/'/g, "''")}'`);
  const scanned = new Map<string, number>();
  const statements: StatementCost[] = [];
  let current = "(setup)";
  const measured = <T>(sql: string, values: unknown, work: () => Promise<T>) => async () => {
    const scans = await statementCost({ conn, counter }, sql, values, partitioned, schemas);
    if (scans.length) statements.push({ action: current, statement: sql.replace(/\s+/g, " ").slice(0, 100), rows: scans.reduce((n, s) => n + s.rows, 0), scans });
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
        return (...args: unknown[]) => measured(String(args[0]), args[1], () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args))();
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as DuckDBConnection;
  return {
    conn: proxy,
    scanned,
    statements,
    setAction: (name: string) => void (current = name),
    close: () => {
      counter.closeSync();
      db.close();
    },
  };
}

/** A build as a schedule runs it: the actions of one tag ("daily": the daily build and a full refresh; "weekly"). */
export async function profiledBuild(graph: CompiledGraph, dbPath: string, workDir: string, fullRefresh: boolean, tag = "daily"): Promise<ProfiledRun> {
  const profiled = await profiledConnection(dbPath, path.join(workDir, `profile-${tag}-${fullRefresh ? "full" : "incremental"}.json`), graph);
  const tags = new Map(actionsOf(graph).map((a) => [a.key, a.tags]));
  let run: RunResult;
  try {
    run = await runGraph(graph, {
      db: profiled.conn,
      fullRefresh,
      tags: [tag],
      onProgress: (e) => {
        if (e.type === "start") profiled.setAction(e.action.key);
      },
    });
  } finally {
    profiled.close();
  }
  const billed = (target: string) => profiled.statements.filter((s) => s.action === target).reduce((n, s) => n + s.rows, 0);
  const actions = run.actions.map((a) => ({
    name: a.name, kind: a.kind, tags: tags.get(a.target) ?? [], status: a.status, ...(a.error ? { error: a.error } : {}), ms: a.durationMs, rowsScanned: profiled.scanned.get(a.target) ?? 0, partitionRows: billed(a.target),
  }));
  return {
    ok: run.ok,
    ms: run.durationMs,
    rowsScanned: actions.reduce((n, a) => n + a.rowsScanned, 0),
    partitionRows: actions.reduce((n, a) => n + a.partitionRows, 0),
    actions,
    statements: profiled.statements,
  };
}

/** The failed actions of builds, with their errors. */
export function failures(...runs: ProfiledRun[]): string {
  const failed = runs.flatMap((r) => r.actions.filter((a) => a.status === "failed").map((a) => `${a.name}: ${a.error ?? "failed"}`));
  return [...new Set(failed)].join("; ");
}

/** The data checks: Dataform assertions, and the daily checks (operations tagged "assertions", includes/checks.js). */
const isCheck = (a: ActionCost) => a.kind === "assertion" || a.tags.includes("assertions");
/** The change-driven tables (includes/constants.js CHANGE_DRIVEN_TABLES: the facts and the cost allocation they read). */
const isFact = (a: ActionCost) => a.kind === "incremental";
const isDimension = (a: ActionCost) => !isCheck(a) && a.name.startsWith("dim_");
/** What a figure counts: DuckDB's rows scanned (local) or BigQuery's rows in the partitions read. */
type Measure = "rowsScanned" | "partitionRows";
const sum = (actions: ActionCost[], pick: (a: ActionCost) => boolean, measure: Measure = "partitionRows") =>
  actions.filter(pick).reduce((n, a) => n + a[measure], 0);

/**
 * BigQuery rows a daily run may read: the full refresh's fact partition rows for (changed days + 1) of historyDays
 * days, plus the dimensions (rebuilt whole every run).
 */
export function dailyAllowance(full: ActionCost[], changedDays: number, historyDays: number): number {
  return (sum(full, isFact) * (changedDays + 1)) / historyDays + sum(full, isDimension);
}

const CATEGORIES: [string, (a: ActionCost) => boolean][] = [
  ["facts (change-driven tables)", isFact],
  ["dimensions (dim_*)", isDimension],
  ["checks (assertions)", isCheck],
  ["other tables (int_*, stg_*, build_log)", (a) => !isCheck(a) && !isFact(a) && !isDimension(a)],
];

/** Where the rows are read: full refresh vs daily run per kind of action (plain figures). */
function breakdown(scenario: string, full: ActionCost[], daily: ActionCost[], measure: Measure): Figure[] {
  return CATEGORIES.map(([label, pick]) => ({
    scenario,
    name: `  ${label}: daily / full (${sum(daily, pick, measure)} / ${sum(full, pick, measure)})`,
    value: sum(full, pick, measure) ? sum(daily, pick, measure) / sum(full, pick, measure) : 0,
    unit: "×",
  }));
}

/** The days the daily build replaced: the most any change-driven table rebuilt in its last incremental build. */
export async function changedDays(dbPath: string): Promise<number> {
  const db = await openDuckDbFile(dbPath, { readOnly: true });
  try {
    const reader = await db.connection.runAndReadAll(
      `SELECT MAX(days_rebuilt) FROM (SELECT table_name, arg_max(COALESCE(len(replaced_days), 0), built_at) AS days_rebuilt FROM "${DATASET}".build_log WHERE NOT full_refresh GROUP BY table_name)`,
    );
    return Number(reader.getRows()[0]?.[0] ?? 0);
  } finally {
    db.close();
  }
}

/** The largest scans of one kind of action in a build: per statement, the table it reads and whether it is pruned. */
function largestScans(scenario: string, run: ProfiledRun, label: string, pick: (a: ActionCost) => boolean, top: number): Figure[] {
  const picked = new Set(run.actions.filter(pick).map((a) => a.name));
  return run.statements
    .filter((s) => picked.has(s.action.slice(s.action.indexOf(".") + 1)))
    .flatMap((s) => s.scans.map((scan) => ({ s, scan })))
    .sort((a, b) => b.scan.rows - a.scan.rows)
    .slice(0, top)
    .map(({ s, scan }) => ({
      scenario,
      name: `    ${label}: ${s.action.slice(s.action.indexOf(".") + 1)} "${s.statement.split(" ").slice(0, 5).join(" ")} …" reads ${scan.table.slice(scan.table.indexOf(".") + 1)} (${scan.pruning ? "pruned to the changed days" : "every row"})`,
      value: scan.rows,
      unit: "rows",
    }));
}

/**
 * The figures of a full refresh and the daily build after it (and the weekly checks after that): BigQuery's partition
 * rows (the facts' share and the checks' with their targets, the allowance with the dimensions, where the daily rows
 * come from, statement by statement) and DuckDB's rows scanned and time.
 */
export function buildFigures(scenario: string, full: ProfiledRun, daily: ProfiledRun, changed: number, historyDays: number, weekly?: ProfiledRun): Figure[] {
  const dailyFacts = sum(daily.actions, isFact);
  const dailyChecks = sum(daily.actions, isCheck);
  return [
    { scenario, name: `BigQuery partition rows read: daily / full refresh (${daily.partitionRows} / ${full.partitionRows})`, value: daily.partitionRows / full.partitionRows, unit: "×" },
    { scenario, name: `BigQuery: daily fact partition rows / full refresh's (${dailyFacts} / ${sum(full.actions, isFact)}; ${changed} days changed)`, value: dailyFacts / sum(full.actions, isFact), unit: "", target: { op: "<=", limit: (changed + 1) / historyDays } },
    ...largestScans(scenario, daily, "facts", isFact, 6),
    { scenario, name: `BigQuery: daily checks' partition rows / the daily facts' (${dailyChecks} / ${dailyFacts})`, value: dailyChecks / dailyFacts, unit: "×", target: { op: "<=", limit: 1 } },
    ...largestScans(scenario, daily, "checks", isCheck, 4),
    { scenario, name: "BigQuery: daily partition rows / allowance (facts' share + dimensions)", value: daily.partitionRows / dailyAllowance(full.actions, changed, historyDays), unit: "×", target: { op: "<=", limit: 1 } },
    ...breakdown(scenario, full.actions, daily.actions, "partitionRows"),
    ...(weekly ? [{ scenario, name: `BigQuery: weekly checks (all history), partition rows / the full refresh's (${weekly.partitionRows} / ${full.partitionRows})`, value: weekly.partitionRows / full.partitionRows, unit: "×" }] : []),
    { scenario, name: `DuckDB rows scanned: daily / full refresh (${daily.rowsScanned} / ${full.rowsScanned})`, value: daily.rowsScanned / full.rowsScanned, unit: "×" },
    { scenario, name: "full refresh: time", value: full.ms / 1000, unit: "s" },
    { scenario, name: "daily build: time", value: daily.ms / 1000, unit: "s" },
    ...(weekly ? [{ scenario, name: "weekly checks: time", value: weekly.ms / 1000, unit: "s" }] : []),
  ];
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
  /** The weekly checks (tag "weekly") after the daily build. */
  weekly: ProfiledRun;
  /** Days the daily build replaced (build_log). */
  changedDays: number;
  figures: Figure[];
}


/** History up to the day before endDate, built in full; then endDate's daily load and incremental build. */
export async function warehouseScenario(o: WarehouseOptions): Promise<WarehouseResult> {
  const dir = mkdtempSync(path.join(o.workDir, "warehouse-"));
  const dbPath = path.join(dir, "warehouse.duckdb");
  // Each load meets the simulator on its own morning: the same company and days, that morning's snapshots.
  const load = (endDate: string, days: number, lookback = 0) =>
    withSimulator({ seed: o.seed, users: o.users, historyDays: o.historyDays, endDate, timeScale: false }, (sim) =>
      runChild({ kind: "pipeline", env: sim.env, dir, days, endDate, timeScale: 1e6, lookback }),
    );
  const history = await load(addDays(o.endDate, -1), o.historyDays);
  if (!history.summary?.ok) throw new Error("warehouse: the history load failed");
  const t0 = performance.now();
  const graph = await compileForDataset({ dataset: DATASET, vars: { ...BENCH_VARS, lookback_days: String(o.lookback) } });
  const compileMs = performance.now() - t0;
  const full = await profiledBuild(graph, dbPath, dir, true);
  const daily = await load(o.endDate, 1, o.lookback);
  if (!daily.summary?.ok) throw new Error("warehouse: the daily load failed");
  const incremental = await profiledBuild(graph, dbPath, dir, false);
  const weekly = await profiledBuild(graph, dbPath, dir, false, "weekly");
  if (!full.ok || !incremental.ok || !weekly.ok) throw new Error(`warehouse: the models failed: ${failures(full, incremental, weekly)}`);
  const changed = await changedDays(dbPath);
  const figures = buildFigures(`4 warehouse ${o.users}u, ${o.historyDays} d history`, full, incremental, changed, o.historyDays, weekly);
  return { compileMs, full, incremental, weekly, changedDays: changed, figures };
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
  const graph = await compileForDataset({ dataset: DATASET, vars: BENCH_VARS });
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
