// The configuration contract of design.md §5, for every command (load, start, models, report, verify, serve,
// bench): read once from the environment and a local .env, validated before any call, with one dataset-naming rule.
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { DuckDbMemory } from "./duckdb-file.ts";
import { registerSecret } from "./redact.ts";

export const ENVIRONMENTS = ["development", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

const DEFAULT_DATASET: Record<Environment, string> = {
  development: "ai_usage_dev",
  staging: "ai_usage_staging",
  production: "ai_usage",
};

/**
 * What the local DuckDB warehouse may hold in memory before it spills to disk: with Node and the runner around it,
 * every step of a 2,000-person year stays under 2 GB (docs/benchmarks.md, scenario 6).
 */
export const DEFAULT_DUCKDB_MEMORY_LIMIT = "1.5GB";

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

/** The local warehouse is a DuckDB file, worked on within a memory budget; in GCP, BigQuery. */
export type Warehouse = { kind: "duckdb"; path: string; memory: DuckDbMemory } | { kind: "bigquery"; project: string };

/** A BigQuery dataset name (also a DuckDB schema name): letters, digits and underscores. */
export const DATASET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,1000}$/;

/** The one dataset-naming rule: models in the base dataset, raw tables in `<base>_raw`, assertions in `<base>_assertions`. */
export function datasetNames(base: string): { base: string; raw: string; assertions: string } {
  if (!DATASET_NAME.test(base)) throw new ConfigError("BIGQUERY_DATASET", `"${base}" must be a BigQuery dataset name: letters, digits and underscores`);
  return { base, raw: `${base}_raw`, assertions: `${base}_assertions` };
}

export interface Config {
  environment: Environment;
  /** Base dataset; raw tables live in `<dataset>_raw`, assertions in `<dataset>_assertions`. */
  dataset: string;
  lakeUri: string;
  warehouse: Warehouse;
  googleCloudProject?: string;
  logLevel: "debug" | "info" | "warn" | "error";
  cursor?: { apiKey: string; baseUrl: string };
  anthropic?: { adminKey: string; baseUrl: string };
  /** Mapping source: a Google Sheet, or a folder of CSV files named `<tab>.csv`. */
  mapping?: { kind: "sheets"; spreadsheetId: string; baseUrl: string; emulator: boolean } | { kind: "csv"; dir: string };
  /** A mapping tab with fewer rows than this share of the last good snapshot's is refused whole (MAPPING_MAX_SHRINK_PERCENT). */
  mappingMaxShrinkPercent: number;
  /**
   * Vendor time divided by this factor, for pacing and Retry-After. Only a simulated organization sets it (the
   * built-in one, or SIMULATOR_TIME_SCALE for npm run simulator: it compresses the vendors' per-minute limits the
   * same way); real APIs always run at 1.
   */
  timeScale: number;
}

const optionalString = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s ? s : undefined));

const url = (variable: string) =>
  optionalString.refine((s) => s === undefined || /^https?:\/\/[^\s]+$/.test(s), {
    message: `must be an http(s) URL, e.g. https://api.example.com (variable ${variable})`,
  });

const EnvSchema = z.object({
  CURSOR_API_KEY: optionalString,
  ANTHROPIC_ADMIN_API_KEY: optionalString.refine((k) => k === undefined || !k.startsWith("sk-ant-api"), {
    message:
      "is a normal API key (sk-ant-api…); the Admin API needs an Admin key (sk-ant-admin01-…) created in Claude Console → Settings → Admin keys",
  }),
  GOOGLE_SHEETS_SPREADSHEET_ID: optionalString.refine((s) => s === undefined || /^[A-Za-z0-9_-]{10,}$/.test(s), {
    message: "must be the ID from the sheet URL docs.google.com/spreadsheets/d/<ID>/edit, not the whole URL",
  }),
  MAPPING_URI: optionalString.refine((s) => s === undefined || s.startsWith("file://"), {
    message: "must be file://<folder>/ holding people.csv, api_key_owners.csv, budgets.csv, seats.csv",
  }),
  CURSOR_API_BASE_URL: url("CURSOR_API_BASE_URL"),
  ANTHROPIC_API_BASE_URL: url("ANTHROPIC_API_BASE_URL"),
  SHEETS_API_BASE_URL: url("SHEETS_API_BASE_URL"),
  // Google's emulator convention (STORAGE_EMULATOR_HOST and the like): host:port[/path] or a URL, no credentials sent.
  SHEETS_EMULATOR_HOST: optionalString.refine((s) => s === undefined || /^(https?:\/\/)?[^\s/:]+(:\d+)?(\/\S*)?$/.test(s), {
    message: "must be host:port[/path] of a Sheets emulator, e.g. 127.0.0.1:8787/sheets (as printed by npm run simulator)",
  }),
  MAPPING_MAX_SHRINK_PERCENT: optionalString.refine((s) => s === undefined || (/^\d+$/.test(s) && Number(s) <= 100), {
    message: "must be a whole number of percent from 0 to 100, e.g. 50 (100 turns the shrink guard off)",
  }),
  LAKE_URI: optionalString.refine((s) => s === undefined || /^(file|gs):\/\/.+/.test(s), {
    message: "must be file://<folder> or gs://<bucket>/<prefix>",
  }),
  WAREHOUSE: optionalString.refine((s) => s === undefined || s === "bigquery" || s.startsWith("duckdb:"), {
    message: "must be duckdb:<path> (local) or bigquery",
  }),
  DUCKDB_MEMORY_LIMIT: optionalString.refine((s) => s === undefined || /^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(s), {
    message: "must be a size such as 1GB or 1500MB: the memory DuckDB may use before it spills to DUCKDB_TEMP_DIRECTORY",
  }),
  DUCKDB_TEMP_DIRECTORY: optionalString,
  GOOGLE_CLOUD_PROJECT: optionalString,
  ENVIRONMENT: optionalString.refine((s) => s === undefined || (ENVIRONMENTS as readonly string[]).includes(s), {
    message: `must be one of ${ENVIRONMENTS.join(", ")}`,
  }),
  BIGQUERY_DATASET: optionalString.refine((s) => s === undefined || DATASET_NAME.test(s), {
    message: "must be a BigQuery dataset name: letters, digits and underscores",
  }),
  SIMULATOR_TIME_SCALE: optionalString.refine((s) => s === undefined || (Number.isFinite(Number(s)) && Number(s) > 0), {
    message: "must be a positive number, the time scale npm run simulator printed (e.g. 30)",
  }),
  LOG_LEVEL: optionalString.refine((s) => s === undefined || /^(debug|info|warn|warning|error)$/i.test(s), {
    message: "must be debug, info, warn or error",
  }),
  DEBUG: optionalString,
});

/** Reads and checks the environment. Throws a ConfigError naming the first bad variable and the fix. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0]);
    throw new ConfigError(variable, issue.message);
  }
  const e = parsed.data;
  const environment = (e.ENVIRONMENT ?? "development") as Environment;
  const debug = e.DEBUG !== undefined && /^(1|true|yes)$/i.test(e.DEBUG);
  const level = (e.LOG_LEVEL ?? (debug ? "debug" : "info")).toLowerCase().replace("warning", "warn");

  if (e.SHEETS_EMULATOR_HOST && e.SHEETS_API_BASE_URL) {
    throw new ConfigError("SHEETS_EMULATOR_HOST", "set either SHEETS_EMULATOR_HOST (an emulator, no credentials) or SHEETS_API_BASE_URL (Google credentials), not both");
  }
  if (e.GOOGLE_SHEETS_SPREADSHEET_ID && e.MAPPING_URI) {
    throw new ConfigError(
      "MAPPING_URI",
      "set either GOOGLE_SHEETS_SPREADSHEET_ID (Google Sheet) or MAPPING_URI (CSV folder), not both",
    );
  }
  const cursor = e.CURSOR_API_KEY ? { apiKey: e.CURSOR_API_KEY, baseUrl: e.CURSOR_API_BASE_URL ?? "https://api.cursor.com" } : undefined;
  const anthropic = e.ANTHROPIC_ADMIN_API_KEY
    ? { adminKey: e.ANTHROPIC_ADMIN_API_KEY, baseUrl: e.ANTHROPIC_API_BASE_URL ?? "https://api.anthropic.com" }
    : undefined;
  const mapping: Config["mapping"] = e.GOOGLE_SHEETS_SPREADSHEET_ID
    ? {
        kind: "sheets",
        spreadsheetId: e.GOOGLE_SHEETS_SPREADSHEET_ID,
        baseUrl: e.SHEETS_EMULATOR_HOST ? emulatorUrl(e.SHEETS_EMULATOR_HOST) : (e.SHEETS_API_BASE_URL ?? "https://sheets.googleapis.com"),
        emulator: e.SHEETS_EMULATOR_HOST !== undefined,
      }
    : e.MAPPING_URI
      ? { kind: "csv", dir: e.MAPPING_URI.slice("file://".length) }
      : undefined;
  const timeScale = e.SIMULATOR_TIME_SCALE === undefined ? 1 : Number(e.SIMULATOR_TIME_SCALE);
  if (timeScale !== 1) {
    // Pacing faster than the vendors allow is only for a simulator on this machine.
    const vendors: [string, string | undefined][] = [
      ["CURSOR_API_BASE_URL", cursor?.baseUrl],
      ["ANTHROPIC_API_BASE_URL", anthropic?.baseUrl],
      [e.SHEETS_EMULATOR_HOST ? "SHEETS_EMULATOR_HOST" : "SHEETS_API_BASE_URL", mapping?.kind === "sheets" ? mapping.baseUrl : undefined],
    ];
    const remote = vendors.find(([, url]) => url !== undefined && !isLoopback(url));
    if (remote) {
      throw new ConfigError(
        "SIMULATOR_TIME_SCALE",
        `paces the loaders ${timeScale} times faster than the vendors allow, which only a simulator on this machine accepts, but ${remote[0]} points at ${remote[1]}; remove SIMULATOR_TIME_SCALE (npm run simulator writes it to the .env it points at itself)`,
      );
    }
  }
  const warehouseSetting = e.WAREHOUSE ?? "duckdb:.local/warehouse.duckdb";
  const lakeUri = e.LAKE_URI ?? "file://.local/lake";
  if ((warehouseSetting === "bigquery" || lakeUri.startsWith("gs://")) && !e.GOOGLE_CLOUD_PROJECT) {
    throw new ConfigError(
      "GOOGLE_CLOUD_PROJECT",
      `is required when WAREHOUSE=bigquery or LAKE_URI is gs://; set it to your GCP project id`,
    );
  }
  const duckdbPath = warehouseSetting.slice("duckdb:".length) || ".local/warehouse.duckdb";
  const warehouse: Warehouse =
    warehouseSetting === "bigquery"
      ? { kind: "bigquery", project: e.GOOGLE_CLOUD_PROJECT! }
      : {
          kind: "duckdb",
          path: duckdbPath,
          memory: { memoryLimit: e.DUCKDB_MEMORY_LIMIT ?? DEFAULT_DUCKDB_MEMORY_LIMIT, tempDirectory: e.DUCKDB_TEMP_DIRECTORY ?? `${duckdbPath}.tmp` },
        };

  if (e.CURSOR_API_KEY) registerSecret(e.CURSOR_API_KEY);
  if (e.ANTHROPIC_ADMIN_API_KEY) registerSecret(e.ANTHROPIC_ADMIN_API_KEY);

  return {
    environment,
    dataset: e.BIGQUERY_DATASET ?? DEFAULT_DATASET[environment],
    lakeUri,
    warehouse,
    googleCloudProject: e.GOOGLE_CLOUD_PROJECT,
    logLevel: level as Config["logLevel"],
    cursor,
    anthropic,
    mapping,
    mappingMaxShrinkPercent: e.MAPPING_MAX_SHRINK_PERCENT === undefined ? 50 : Number(e.MAPPING_MAX_SHRINK_PERCENT),
    timeScale,
  };
}

const isLoopback = (url: string) => ["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname);

const emulatorUrl = (host: string) => (/^https?:\/\//.test(host) ? host : `http://${host}`);

/**
 * What every command calls first: a local .env fills the variables the shell did not set (the shell wins; .env is
 * git-ignored), then the environment is checked as a whole. `overrides` are a command's flags for the same
 * variables (e.g. --dataset for BIGQUERY_DATASET), checked the same way.
 */
export function configFromEnvironment(overrides: Record<string, string> = {}): Config {
  if (existsSync(".env")) process.loadEnvFile(".env");
  return loadConfig({ ...process.env, ...overrides });
}

/**
 * The DuckDB file a reading command (models, report, verify) opens: an error naming WAREHOUSE when the warehouse is
 * BigQuery, or when the file or its folder does not exist (a typo must not create an empty warehouse).
 */
export function duckdbToRead(config: Config, command: string): string {
  if (config.warehouse.kind !== "duckdb") {
    throw new ConfigError("WAREHOUSE", `is bigquery, but ${command} works on the local DuckDB warehouse; unset WAREHOUSE or set WAREHOUSE=duckdb:<path> (on BigQuery the Dataform workflow builds the models and Looker Studio shows them)`);
  }
  const file = config.warehouse.path;
  if (!existsSync(path.dirname(path.resolve(file)))) {
    throw new ConfigError("WAREHOUSE", `duckdb:${file}: the folder ${path.dirname(path.resolve(file))} does not exist; fix the path, or load data first (npm start, or npm run load -- --simulated)`);
  }
  if (!existsSync(file)) {
    throw new ConfigError("WAREHOUSE", `duckdb:${file}: no warehouse file there yet; load data first (npm start, or npm run load -- --simulated), or fix the path`);
  }
  return file;
}

/** True when no vendor source is configured: `npm start` then runs on the built-in simulated organization. */
export function hasNoSources(config: Config): boolean {
  return !config.cursor && !config.anthropic && !config.mapping;
}
