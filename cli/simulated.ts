// The loaders' sources pointed at a running simulated organization: the same code path as the real APIs. The
// simulator runs in a process of its own, as a vendor would: its CPU and memory are not the loader's.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { loadConfig, type Config } from "../loaders/index.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");


export interface SimSpec {
  seed: number;
  users: number;
  /** Days the vendors serve before the clock's day. */
  historyDays: number;
  /** Yesterday for the simulator, so every run serves the same bytes; default the real clock. */
  endDate?: string;
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
// A command that dies half-way must not leave simulators running.
process.once("exit", () => {
  for (const child of live) child.kill("SIGTERM");
});

/** Starts `npm run simulator` in a child process and reads the variables it prints (its .env). */
export async function spawnSimulator(spec: SimSpec): Promise<SimProcess> {
  const args = ["--import", "tsx", path.join(REPO_ROOT, "simulator/cli.ts"), "--port", "0", "--seed", String(spec.seed)];
  args.push("--users", String(spec.users), "--history-days", String(spec.historyDays), ...(spec.endDate ? ["--end-date", spec.endDate] : []));
  args.push(...(spec.timeScale === false ? ["--no-rate-limits"] : ["--time-scale", String(spec.timeScale)]));
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  child.once("exit", () => live.delete(child));
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const env: Record<string, string> = {};
  const lines = createInterface({ input: child.stdout! });
  let early: (code: number | null) => void = () => undefined;
  await new Promise<void>((ok, fail) => {
    early = (code) => fail(new Error(`simulator exited (${code}) before it was ready: ${stderr.trim()}`));
    child.once("exit", early);
    lines.on("line", (line) => {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) env[m[1]!] = m[2]!;
      if (line.includes("Ground truth:")) ok();
    });
  });
  child.off("exit", early);
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

/** The sources of the loader configuration a spawned simulator printed (its .env): base URLs, keys, time scale. */
export function spawnedSources(sim: SimProcess): Pick<Config, "cursor" | "anthropic" | "mapping" | "timeScale"> {
  const { cursor, anthropic, mapping, timeScale } = loadConfig(sim.env);
  return { cursor, anthropic, mapping, timeScale };
}
