// The convergence property (issue 9): a seeded random sequence of daily loads, re-runs, backfills of days 5-40 back,
// vendor restatements and mapping edits runs through the real loaders (HTTP to the simulated organization) and the
// runner. After every build: (a) the daily build equals a full rebuild of the same raw data, row for row; (b) per
// day and tool the marts equal the simulator's ground truth as of that day's latest fetch, to the cent; (c) every
// assertion, the reconciliations among them, passes. A failure names its seed and operation so it can be replayed
// with CONVERGENCE_SEEDS=<seed>.
import { copyFileSync, rmSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { runLoad, type LoadOptions } from "../../loaders/index.ts";
import { compileForDataset, runGraph, type CompiledGraph, type RunResult } from "../../runner/index.ts";
import { startSimulator, type RestatementKind, type Simulator } from "../../simulator/index.ts";
import { tempDir } from "../helpers/config.ts";
import { query } from "../helpers/duckdb.ts";
import { configForSimulator, SIMULATED_CLOCK_VARS } from "../helpers/pipeline.ts";

const DATASET = "ai_usage_dev";
const RAW = `${DATASET}_raw`;
const DAY_MS = 86_400_000;
/** The marts: compared row for row with a full rebuild (the Looker views are plain views over them). */
const MARTS = ["dim_users", "dim_teams", "dim_api_keys", "dim_models", "fct_usage_daily", "fct_cost_daily", "fct_seats_daily"];
/**
 * What every daily build must pass: the reconciliations and the facts' keys (a day replaced twice would break them),
 * on the days it changed (the daily checks) and on every day (their weekly assertions).
 */
const CHECKS = [
  "int_cursor__spend_reconciliation", "assert_cursor_spend_snapshot",
  ...["assert_reconcile_anthropic_cost", "assert_reconcile_cursor_cost", ...["fct_cost_daily", "fct_usage_daily", "fct_seats_daily"].map((t) => `assert_${t}_unique_key`)]
    .flatMap((check) => [check, `${check}_changed_days`]),
];
const VENDOR_RESTATEMENTS: RestatementKind[] = ["reclassify_event", "restate_amount", "drop_line", "late_line"];
const SHEET_EDITS: RestatementKind[] = ["move_person", "delete_person", "change_key_owner"];

export type Operation =
  | { kind: "daily" } // the next morning's run: yesterday plus a 3-day lookback
  | { kind: "rerun" } // the same run again an hour later
  | { kind: "backfill"; fromDaysBack: number; toDaysBack: number }
  | { kind: "restate"; restatement: RestatementKind; daysBack: number }
  | { kind: "edit"; restatement: RestatementKind };

/** mulberry32: a small seeded generator, so a seed replays the same sequence. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function operations(seed: number, count: number): Operation[] {
  const r = random(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(items: T[]) => items[Math.floor(r() * items.length)]!;
  const ops: Operation[] = [];
  while (ops.length < count - 1) {
    const x = r();
    if (x < 0.25) ops.push({ kind: "daily" });
    else if (x < 0.32) ops.push({ kind: "rerun" });
    else if (x < 0.45) {
      const from = int(5, 40);
      ops.push({ kind: "backfill", fromDaysBack: from, toDaysBack: Math.max(5, from - int(0, 6)) });
    } else if (x < 0.8) ops.push({ kind: "restate", restatement: pick(VENDOR_RESTATEMENTS), daysBack: int(1, 40) });
    else ops.push({ kind: "edit", restatement: pick(SHEET_EDITS) });
  }
  ops.push({ kind: "daily" }); // every change ends in a build
  return ops;
}

const describe = (op: Operation) =>
  op.kind === "backfill" ? `backfill ${op.fromDaysBack}..${op.toDaysBack} days back` : op.kind === "restate" ? `restate ${op.restatement} ${op.daysBack} days back` : op.kind === "edit" ? `sheet edit ${op.restatement}` : op.kind;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** (a) The first mart that differs between the daily build and the full rebuild, with a few rows each side lacks. */
async function firstDifference(daily: string, full: string): Promise<string | undefined> {
  const instance = await DuckDBInstance.create(daily);
  const conn = await instance.connect();
  const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson();
  try {
    const db = String((await rows("SELECT current_database() AS db"))[0]!.db);
    await conn.run(`ATTACH '${full.replace(/'/g, "''")}' AS full_rebuild (READ_ONLY)`);
    for (const name of MARTS) {
      const columns = (await rows(`SELECT column_name FROM information_schema.columns WHERE table_catalog = '${db}' AND table_schema = '${DATASET}' AND table_name = '${name}' ORDER BY ordinal_position`))
        .map((r) => `"${String(r.column_name)}"`)
        .join(", ");
      const side = (a: string, b: string) => `SELECT ${columns} FROM ${a}.${DATASET}.${name} EXCEPT ALL SELECT ${columns} FROM ${b}.${DATASET}.${name}`;
      const [onlyDaily, onlyFull] = [await rows(`${side(`"${db}"`, "full_rebuild")} LIMIT 3`), await rows(`${side("full_rebuild", `"${db}"`)} LIMIT 3`)];
      if (onlyDaily.length || onlyFull.length) {
        const show = (r: unknown[]) => r.map((x) => JSON.stringify(x)).join("\n  ") || "-";
        return `(a) ${name}: the daily build differs from a full rebuild\nonly in the daily build: ${show(onlyDaily)}\nonly in the full rebuild: ${show(onlyFull)}`;
      }
    }
    return undefined;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export interface ConvergenceResult {
  seed: number;
  operations: string[];
  builds: number;
  /** spend snapshots the builds checked against the events (the check is not vacuous) */
  spendChecks: number;
  /** empty when every check of every build passed; else the first failure, with how to replay it */
  failure?: string;
}

/** Runs one seed's sequence; stops at the first failed check. */
export async function runConvergence(seed: number, count: number, graph?: CompiledGraph): Promise<ConvergenceResult> {
  const ops = operations(seed, count);
  const dir = tempDir(`aiua-converge-${seed}-`);
  const warehouse = path.join(dir, "warehouse.duckdb");
  // a morning a few weeks ago; each daily run moves it to the next morning
  let clock = Date.parse(`${isoDay(Date.now() - 40 * DAY_MS)}T06:00:00Z`);
  const sim: Simulator = await startSimulator({ seed, users: 8, historyDays: 120, now: () => clock, rateLimits: false });
  // start five days before a Cursor billing cycle starts: the sequence's spend checks cross it
  const cycle = new Date(`${sim.truth({ start: isoDay(clock), end: isoDay(clock) }).subscriptionCycleStart}T06:00:00Z`);
  cycle.setUTCMonth(cycle.getUTCMonth() + 1);
  clock = cycle.getTime() - 5 * DAY_MS;
  const config = configForSimulator(sim, dir);
  const compiled = graph ?? (await compileForConvergence());
  const runClock = new Map<string, number>();
  const done: string[] = [];
  const spent: Record<string, number> = {};
  const timed = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      spent[what] = (spent[what] ?? 0) + performance.now() - t0;
    }
  };
  let builds = 0;
  let spendChecks = 0;

  const load = async (options: Omit<LoadOptions, "mode">) => {
    const summary = await timed("load", () => runLoad(config, { mode: "development", ...options }, { now: () => new Date(clock) }));
    if (!summary.ok) throw new Error(`load failed: ${summary.streams.filter((s) => s.status === "failed").map((s) => `${s.source}.${s.stream}: ${s.error}`).join("; ")}`);
    runClock.set(summary.runId, clock);
  };

  const build = async (): Promise<string | undefined> => {
    builds++;
    // the marts with everything they depend on, then their own assertions and the reconciliations
    const daily = await timed("daily build", async () => {
      const built = await runGraph(compiled, { db: warehouse, actions: MARTS, includeDependencies: true, disableAssertions: true });
      return built.ok ? runGraph(compiled, { db: warehouse, actions: CHECKS }) : built;
    });
    const broken = (r: RunResult) => r.actions.filter((a) => a.status !== "succeeded").map((a) => `${a.name}: ${a.error ?? ""} ${JSON.stringify(a.failingRows ?? [])}`);
    if (!daily.ok) return `(c) the daily build failed:\n${broken(daily).join("\n")}`;
    spendChecks += Number((await query(warehouse, `SELECT COUNT(*) AS n FROM ${DATASET}.int_cursor__spend_reconciliation`))[0]!.n);
    const copy = path.join(dir, "full.duckdb");
    copyFileSync(warehouse, copy);
    // the rebuild is only compared; the daily build ran every assertion
    const full = await timed("full rebuild", () => runGraph(compiled, { db: copy, actions: MARTS, includeDependencies: true, fullRefresh: true, disableAssertions: true }));
    if (!full.ok) return `(c) the full rebuild failed:\n${broken(full).join("\n")}`;
    const difference = await timed("compare", () => firstDifference(warehouse, copy));
    if (difference) return difference;
    return timed("truth", checkTruth);
  };

  // (b) per day and tool, billed + allocated equal the vendors' figures as served at the day's latest fetch
  const checkTruth = async (): Promise<string | undefined> => {
    const latest = await query(
      warehouse,
      `SELECT CAST(json_extract_string(d, '$') AS VARCHAR) AS day, max(run_id) AS run_id
       FROM ${RAW}.raw_load_runs, unnest(CAST(windows AS JSON[])) AS t(d)
       WHERE source = 'cursor' AND stream = 'usage_events' GROUP BY ALL`,
    );
    const got = new Map(
      (await query(warehouse, `SELECT CAST(cost_date AS VARCHAR) || '|' || tool AS k, CAST(SUM(amount_usd) AS VARCHAR) AS usd FROM ${DATASET}.fct_cost_daily WHERE basis != 'seat' GROUP BY ALL`)).map(
        (r) => [String(r.k), Number(r.usd)],
      ),
    );
    const byFetch = new Map<number, string[]>();
    for (const { day, run_id } of latest) {
      const at = runClock.get(String(run_id))!;
      byFetch.set(at, [...(byFetch.get(at) ?? []), String(day)]);
    }
    for (const [asOf, days] of byFetch) {
      const sorted = days.sort();
      const truth = sim.truth({ start: sorted[0], end: sorted.at(-1), asOf });
      for (const v of truth.vendorDaily) {
        if (!days.includes(v.day)) continue;
        const want = Number(v.cents) / 100, have = got.get(`${v.day}|${v.tool}`) ?? 0;
        if (Math.abs(want - have) > 1e-8) return `(b) ${v.day} ${v.tool}: the vendor billed ${want} as of ${new Date(asOf).toISOString()}, the marts hold ${have}`;
      }
    }
    return undefined;
  };

  try {
    // the first run, as npm start does it: 30 days
    await load({ days: 30, lookback: 0 });
    done.push("initial load of 30 days");
    let failure = await build();
    for (const op of ops) {
      if (failure) break;
      done.push(describe(op));
      if (op.kind === "daily") {
        clock = Date.parse(`${isoDay(clock + DAY_MS)}T06:00:00Z`) + (done.length % 7) * 60_000;
        await load({ days: 1, lookback: 3 });
        failure = await build();
      } else if (op.kind === "rerun") {
        clock += 3_600_000;
        await load({ days: 1, lookback: 3 });
        failure = await build();
      } else if (op.kind === "backfill") {
        clock += 600_000;
        await load({ start: isoDay(clock - op.fromDaysBack * DAY_MS), end: isoDay(clock - op.toDaysBack * DAY_MS), lookback: 0 });
        failure = await build();
      } else {
        clock += 300_000;
        const day = op.kind === "restate" ? isoDay(clock - op.daysBack * DAY_MS) : undefined;
        try {
          sim.restate(op.restatement, day ? { day } : {});
        } catch (e) {
          done[done.length - 1] += ` (not possible: ${(e as Error).message})`;
        }
      }
    }
    if (process.env.CONVERGENCE_TIMINGS) console.info(`seed ${seed}: ${Object.entries(spent).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(", ")}`);
    return { seed, operations: done, builds, spendChecks, ...(failure ? { failure: `seed ${seed}, after: ${done.join(" → ")}\n${failure}\nreplay: CONVERGENCE_SEEDS=${seed} npx vitest run test/models/convergence.test.ts` } : {}) };
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The project compiled for these runs: loads land on the test's clock, so freshness is not the real clock's. */
export function compileForConvergence(): Promise<CompiledGraph> {
  return compileForDataset({ dataset: DATASET, vars: SIMULATED_CLOCK_VARS });
}
