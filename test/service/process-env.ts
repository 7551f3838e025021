// The environment of a service or job process in tests: the simulator's vendors, a file lake and DuckDB in `dir`,
// the GCS lock (and run records) on the loopback fake.
import type { Simulator } from "../../simulator/index.ts";

export function serviceProcessEnv(sim: Simulator, dir: string, gcsEndpoint: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    ENVIRONMENT: "development",
    CURSOR_API_KEY: sim.credentials.cursorApiKey,
    ANTHROPIC_ADMIN_API_KEY: sim.credentials.anthropicAdminKey,
    CURSOR_API_BASE_URL: sim.baseUrls.cursor,
    ANTHROPIC_API_BASE_URL: sim.baseUrls.anthropic,
    LAKE_URI: `file://${dir}/lake`,
    WAREHOUSE: `duckdb:${dir}/warehouse.duckdb`,
    STORAGE_EMULATOR_HOST: gcsEndpoint,
    GOOGLE_CLOUD_PROJECT: "p1",
  };
}
