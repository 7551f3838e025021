// The whole loading side on the simulated organization, for tests of the loaders and of the models.
import path from "node:path";
import { runLoad, type Config, type LoadOptions, type RunSummary } from "../../loaders/index.ts";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../simulator/index.ts";
import { simulatedSources } from "../../cli/simulated.ts";
import { tempDir, testConfig } from "./config.ts";

/** Vendor minutes pass this many times faster, for the simulator's limits and the client's pacing alike. */
export const TIME_SCALE = 200;

export function configForSimulator(sim: Simulator, dir: string): Config {
  return { ...testConfig(dir), ...simulatedSources(sim, TIME_SCALE) };
}

export interface SimulatedWarehouse {
  dir: string;
  warehousePath: string;
  sim: Simulator;
  config: Config;
  summary: RunSummary;
  truth: ReturnType<Simulator["truth"]>;
}

/**
 * Starts the simulator, loads `days` days ending at the simulator's last day into a fresh DuckDB warehouse, and
 * returns the simulator's ground truth. The caller closes `sim`.
 */
export async function loadSimulatedWarehouse(
  options: { days?: number; users?: number; seed?: number; dir?: string; sim?: SimulatorOptions; load?: Partial<LoadOptions> } = {},
): Promise<SimulatedWarehouse> {
  const days = options.days ?? 14;
  const sim = await startSimulator({ seed: options.seed ?? 7, users: options.users ?? 24, days, rateLimits: { timeScale: TIME_SCALE }, ...options.sim });
  const dir = options.dir ?? tempDir();
  const config = configForSimulator(sim, dir);
  const endDate = sim.options.endDate;
  // "Now" is the morning after the simulator's last day, as for the daily run.
  const now = () => new Date(Date.parse(`${endDate}T06:00:00Z`) + 86_400_000);
  const summary = await runLoad(config, { mode: "development", days, end: endDate, ...options.load }, { now });
  return { dir, warehousePath: path.join(dir, "warehouse.duckdb"), sim, config, summary, truth: sim.truth() };
}
