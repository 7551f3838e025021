// The simulated organization in its own process, so its CPU and memory are not counted as the loader's.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { loadConfig, type Config } from "../loaders/index.ts";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface SimSpec {
  seed: number;
  users: number;
  /** Days the vendors serve before the clock's day; the clock is fixed at the morning after endDate. */
  historyDays: number;
  /** Yesterday for the simulator: every run serves the same bytes. */
  endDate: string;
  /** Vendor minutes pass this many times faster; false turns the rate limits off. */
  timeScale: number | false;
}

export interface ServedCounters {
  served: Record<string, number>;
  invalidServed: Record<string, number>;
  requestStats: { total: number; byRoute: Record<string, number>; byStatus: Record<string, number> };
}

export interface SimProcess {
  spec: SimSpec;
  url: string;
  env: Record<string, string>;
  counters(): Promise<ServedCounters>;
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();
// A bench that dies half-way must not leave simulators running.
process.once("exit", () => {
  for (const child of live) child.kill("SIGTERM");
});

export async function spawnSimulator(spec: SimSpec): Promise<SimProcess> {
  const args = ["--import", "tsx", path.join(REPO_ROOT, "simulator/cli.ts"), "--port", "0", "--seed", String(spec.seed)];
  args.push("--users", String(spec.users), "--history-days", String(spec.historyDays), "--end-date", spec.endDate);
  args.push(...(spec.timeScale === false ? ["--no-rate-limits"] : ["--time-scale", String(spec.timeScale)]));
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  child.once("exit", () => live.delete(child));
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const env: Record<string, string> = {};
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((ok, fail) => {
    child.once("exit", (code) => fail(new Error(`simulator exited (${code}) before it was ready: ${stderr.trim()}`)));
    lines.on("line", (line) => {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) env[m[1]!] = m[2]!;
      if (line.includes("Ground truth:")) ok();
    });
  });
  child.removeAllListeners("exit");
  const url = new URL(env.CURSOR_API_BASE_URL!).origin;
  return {
    spec,
    url,
    env,
    counters: async () => (await (await fetch(`${url}/_sim/served`)).json()) as ServedCounters,
    close: () => stop(child),
  };
}

/** A simulator for the time of `work`, closed after it. */
export async function withSimulator<T>(spec: SimSpec, work: (sim: SimProcess) => Promise<T>): Promise<T> {
  const sim = await spawnSimulator(spec);
  try {
    return await work(sim);
  } finally {
    await sim.close();
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((ok) => {
    child.once("exit", () => ok());
    child.kill("SIGTERM");
  });
}

/**
 * A loader configuration against the simulator, through the one configuration module (the variables the simulator
 * printed), with a file lake and a DuckDB warehouse under dir. Never the user's shell or .env: figures must not
 * depend on them.
 */
export function simConfig(env: Record<string, string>, dir: string, timeScale: number): Config {
  const config = loadConfig({ ...env, LAKE_URI: `file://${path.join(dir, "lake")}`, WAREHOUSE: `duckdb:${path.join(dir, "warehouse.duckdb")}`, LOG_LEVEL: "warn" });
  return { ...config, timeScale };
}

/** "Now" for a run that loads up to endDate: the next morning, as for the daily run. */
export const morningAfter = (endDate: string) => new Date(Date.parse(`${endDate}T06:00:00Z`) + 86_400_000);
