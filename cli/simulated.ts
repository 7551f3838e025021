// The loaders' sources pointed at a running simulated organization: the same code path as the real APIs.
import type { Config } from "../loaders/index.ts";
import type { Simulator } from "../simulator/index.ts";

/**
 * How many times faster vendor minutes pass for the simulated organization (its rate limits and the loaders' pacing):
 * fast enough that a year of a 2,000-person company loads in minutes, slow enough that the limits still bind.
 * `npm start`, `npm run load -- --simulated`, `npm run simulator` and the benchmark's full-build scenario use it.
 */
export const SIMULATED_TIME_SCALE = 30;

/** The built-in organization's size when not told otherwise (the simulator's own default). */
export const SIMULATED_USERS = 40;

/** `timeScale`: vendor minutes pass this many times faster, as the simulator was told for its limits. */
export function simulatedSources(sim: Simulator, timeScale: number): Pick<Config, "cursor" | "anthropic" | "mapping" | "timeScale"> {
  return {
    cursor: { apiKey: sim.credentials.cursorApiKey, baseUrl: sim.baseUrls.cursor },
    anthropic: { adminKey: sim.credentials.anthropicAdminKey, baseUrl: sim.baseUrls.anthropic },
    mapping: { kind: "sheets", spreadsheetId: sim.credentials.spreadsheetId, baseUrl: sim.baseUrls.sheets, emulator: true },
    timeScale,
  };
}
