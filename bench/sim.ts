// The bench's loader configuration against a simulated organization in its own process (cli/simulated.ts).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig, type Config } from "../loaders/index.ts";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

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
