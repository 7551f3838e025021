// The loaders' sources pointed at a running simulated organization: the same code path as the real APIs.
import type { Config } from "../loaders/index.ts";
import type { Simulator } from "../simulator/index.ts";

/** `timeScale`: vendor minutes pass this many times faster, as the simulator was told for its limits. */
export function simulatedSources(sim: Simulator, timeScale: number): Pick<Config, "cursor" | "anthropic" | "mapping" | "timeScale"> {
  return {
    cursor: { apiKey: sim.credentials.cursorApiKey, baseUrl: sim.baseUrls.cursor },
    anthropic: { adminKey: sim.credentials.anthropicAdminKey, baseUrl: sim.baseUrls.anthropic },
    mapping: { kind: "sheets", spreadsheetId: sim.credentials.spreadsheetId, baseUrl: sim.baseUrls.sheets, emulator: true },
    timeScale,
  };
}
