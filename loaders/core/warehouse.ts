// Raw tables: append-only, loaded from the lake objects (never streamed row by row), so the lake and the
// warehouse always hold the same rows. DuckDB locally, BigQuery in GCP (load jobs).
import { datasetNames, type Config } from "./config.ts";
import type { LakeObject } from "./lake.ts";
import type { SnapshotShape } from "./stream.ts";

/** Columns of every raw table, in order (docs/data-contract.md). */
export const RAW_COLUMNS = [
  ["run_id", "STRING"],
  ["fetched_at", "TIMESTAMP"],
  ["window_date", "DATE"],
  ["window_start", "TIMESTAMP"],
  ["window_end", "TIMESTAMP"],
  ["lake_uri", "STRING"],
  ["record", "JSON"],
] as const;

export const QUARANTINE_COLUMNS = [
  ["run_id", "STRING"],
  ["fetched_at", "TIMESTAMP"],
  ["source", "STRING"],
  ["stream", "STRING"],
  ["window_date", "DATE"],
  ["reason", "STRING"],
  ["lake_uri", "STRING"],
  ["record", "JSON"],
] as const;

export const LOAD_RUN_COLUMNS = [
  ["run_id", "STRING"],
  ["source", "STRING"],
  ["stream", "STRING"],
  ["mode", "STRING"],
  ["started_at", "TIMESTAMP"],
  ["finished_at", "TIMESTAMP"],
  ["status", "STRING"],
  ["requests", "INT64"],
  ["records", "INT64"],
  ["quarantined", "INT64"],
  ["bytes", "INT64"],
  ["windows", "JSON"],
  ["error", "STRING"],
  /** The stream's lake objects of the run: [{ uri, lines, bytes, sha256 }], checked on load and by npm run verify. */
  ["objects", "JSON"],
] as const;

export type Columns = readonly (readonly [string, string])[];

export const QUARANTINE_TABLE = "raw_quarantine";
export const LOAD_RUNS_TABLE = "raw_load_runs";

export function rawTable(source: string, stream: string): string {
  return `raw_${source}_${stream}`;
}

export function rawDataset(config: Pick<Config, "dataset">): string {
  return datasetNames(config.dataset).raw;
}

export interface RawWarehouse {
  /** Creates the table if missing: every raw table exists from the first run, so the models always compile to data. */
  ensureTable(table: string, columns: Columns): Promise<void>;
  /** Appends the rows of lake objects (gzip NDJSON of exactly `columns`) to a raw table, creating it if needed. */
  append(table: string, columns: Columns, objects: LakeObject[]): Promise<void>;
  /** Rows per distinct value of a column (e.g. lake_uri, run_id); empty when the table does not exist. */
  countBy(table: string, column: string): Promise<Map<string, number>>;
  /** The latest run's rows of a snapshot stream's raw table: how many, and the record's keys. */
  latestSnapshot(table: string): Promise<SnapshotShape | undefined>;
  close(): Promise<void>;
}

/** `holder` names the writer (e.g. "load run <id>") for whoever finds the local warehouse busy. */
export async function openWarehouse(config: Config, holder?: string): Promise<RawWarehouse> {
  if (config.warehouse.kind === "duckdb") {
    const { DuckDbWarehouse } = await import("./warehouse-duckdb.ts");
    return DuckDbWarehouse.open(config.warehouse.path, rawDataset(config), holder, config.warehouse.memory);
  }
  const { BigQueryWarehouse } = await import("./warehouse-bigquery.ts");
  return new BigQueryWarehouse({ projectId: config.warehouse.project, dataset: rawDataset(config) });
}
