// The configuration contract of design.md §5: read once from the environment, validated before any call.
import { z } from "zod";
import { registerSecret } from "./redact.ts";

export const ENVIRONMENTS = ["development", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

const DEFAULT_DATASET: Record<Environment, string> = {
  development: "ai_usage_dev",
  staging: "ai_usage_staging",
  production: "ai_usage",
};

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

export type Warehouse = { kind: "duckdb"; path: string } | { kind: "bigquery"; project: string };

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
  mapping?: { kind: "sheets"; spreadsheetId: string; baseUrl: string; accessToken?: string } | { kind: "csv"; dir: string };
  /**
   * Vendor time divided by this factor, for pacing and Retry-After. Only the built-in simulator sets it (it
   * compresses the vendors' per-minute limits the same way); real APIs always run at 1.
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
  LAKE_URI: optionalString.refine((s) => s === undefined || /^(file|gs):\/\/.+/.test(s), {
    message: "must be file://<folder> or gs://<bucket>/<prefix>",
  }),
  WAREHOUSE: optionalString.refine((s) => s === undefined || s === "bigquery" || s.startsWith("duckdb:"), {
    message: "must be duckdb:<path> (local) or bigquery",
  }),
  GOOGLE_CLOUD_PROJECT: optionalString,
  ENVIRONMENT: optionalString.refine((s) => s === undefined || (ENVIRONMENTS as readonly string[]).includes(s), {
    message: `must be one of ${ENVIRONMENTS.join(", ")}`,
  }),
  BIGQUERY_DATASET: optionalString.refine((s) => s === undefined || /^[A-Za-z_][A-Za-z0-9_]{0,1000}$/.test(s), {
    message: "must be a BigQuery dataset name: letters, digits and underscores",
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

  if (e.GOOGLE_SHEETS_SPREADSHEET_ID && e.MAPPING_URI) {
    throw new ConfigError(
      "MAPPING_URI",
      "set either GOOGLE_SHEETS_SPREADSHEET_ID (Google Sheet) or MAPPING_URI (CSV folder), not both",
    );
  }
  const warehouseSetting = e.WAREHOUSE ?? "duckdb:.local/warehouse.duckdb";
  const lakeUri = e.LAKE_URI ?? "file://.local/lake";
  if ((warehouseSetting === "bigquery" || lakeUri.startsWith("gs://")) && !e.GOOGLE_CLOUD_PROJECT) {
    throw new ConfigError(
      "GOOGLE_CLOUD_PROJECT",
      `is required when WAREHOUSE=bigquery or LAKE_URI is gs://; set it to your GCP project id`,
    );
  }
  const warehouse: Warehouse =
    warehouseSetting === "bigquery"
      ? { kind: "bigquery", project: e.GOOGLE_CLOUD_PROJECT! }
      : { kind: "duckdb", path: warehouseSetting.slice("duckdb:".length) || ".local/warehouse.duckdb" };

  if (e.CURSOR_API_KEY) registerSecret(e.CURSOR_API_KEY);
  if (e.ANTHROPIC_ADMIN_API_KEY) registerSecret(e.ANTHROPIC_ADMIN_API_KEY);

  return {
    environment,
    dataset: e.BIGQUERY_DATASET ?? DEFAULT_DATASET[environment],
    lakeUri,
    warehouse,
    googleCloudProject: e.GOOGLE_CLOUD_PROJECT,
    logLevel: level as Config["logLevel"],
    cursor: e.CURSOR_API_KEY
      ? { apiKey: e.CURSOR_API_KEY, baseUrl: e.CURSOR_API_BASE_URL ?? "https://api.cursor.com" }
      : undefined,
    anthropic: e.ANTHROPIC_ADMIN_API_KEY
      ? { adminKey: e.ANTHROPIC_ADMIN_API_KEY, baseUrl: e.ANTHROPIC_API_BASE_URL ?? "https://api.anthropic.com" }
      : undefined,
    mapping: e.GOOGLE_SHEETS_SPREADSHEET_ID
      ? {
          kind: "sheets",
          spreadsheetId: e.GOOGLE_SHEETS_SPREADSHEET_ID,
          baseUrl: e.SHEETS_API_BASE_URL ?? "https://sheets.googleapis.com",
        }
      : e.MAPPING_URI
        ? { kind: "csv", dir: e.MAPPING_URI.slice("file://".length) }
        : undefined,
    timeScale: 1,
  };
}

/** True when no vendor source is configured: `npm start` then runs on the built-in simulated organization. */
export function hasNoSources(config: Config): boolean {
  return !config.cursor && !config.anthropic && !config.mapping;
}
