// The whole loading side on the simulated organization, for tests of the loaders and of the models.
import path from "node:path";
import { runLoad, type Config, type LoadOptions, type RunSummary } from "../../loaders/index.ts";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../simulator/index.ts";
import { addDays } from "../../simulator/dates.ts";
import { END } from "../simulator/helpers.ts";
import { tempDir, testConfig } from "./config.ts";

/** Vendor minutes pass this many times faster, for the simulator's limits and the client's pacing alike. */
export const TIME_SCALE = 200;

/**
 * Vars for building the models on loads made on the simulator's clock: the freshness check compares load times
 * with the real clock, which a test's fixed morning is days behind.
 */
export const SIMULATED_CLOCK_VARS = { freshness_max_hours: "100000" };

/** The loaders' sources pointed at an in-process simulator, paced at TIME_SCALE. */
export function configForSimulator(sim: Simulator, dir: string): Config {
  return {
    ...testConfig(dir),
    cursor: { apiKey: sim.credentials.cursorApiKey, baseUrl: sim.baseUrls.cursor },
    anthropic: { adminKey: sim.credentials.anthropicAdminKey, baseUrl: sim.baseUrls.anthropic },
    mapping: { kind: "sheets", spreadsheetId: sim.credentials.spreadsheetId, baseUrl: sim.baseUrls.sheets, emulator: true },
    timeScale: TIME_SCALE,
  };
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
 * Starts the simulator with its clock at the morning after `endDate`, loads `days` days ending at endDate into a
 * fresh DuckDB warehouse, and returns the simulator's ground truth for those days. The caller closes `sim`.
 * The default endDate is fixed, so every run sees the same company on the same days.
 */
export async function loadSimulatedWarehouse(
  options: { days?: number; users?: number; seed?: number; dir?: string; endDate?: string; sim?: SimulatorOptions; load?: Partial<LoadOptions> } = {},
): Promise<SimulatedWarehouse> {
  const days = options.days ?? 14;
  const endDate = options.endDate ?? END;
  const sim = await startSimulator({ seed: options.seed ?? 7, users: options.users ?? 24, endDate, rateLimits: { timeScale: TIME_SCALE }, ...options.sim });
  const dir = options.dir ?? tempDir();
  const config = configForSimulator(sim, dir);
  // "Now" is the simulator's clock: the morning after endDate, as for the daily run.
  const now = () => new Date(sim.now());
  const summary = await runLoad(config, { mode: "development", days, end: endDate, ...options.load }, { now });
  return { dir, warehousePath: path.join(dir, "warehouse.duckdb"), sim, config, summary, truth: sim.truth({ start: addDays(endDate, 1 - days), end: endDate }) };
}
