// The local dashboard: one self-contained HTML file built from the warehouse's Looker Studio views.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { readReportData, type ReportData } from "./data.ts";
import { renderHtml } from "./html.ts";

export { readReportData, type ReportData } from "./data.ts";
export { renderHtml } from "./html.ts";
export { lookerStudioUrl, LOOKER_VIEWS, type LookerUrlOptions } from "./looker.ts";

export interface BuildReportOptions {
  warehousePath: string;
  /** Base dataset, e.g. ai_usage_dev: views in <dataset>, raw tables in <dataset>_raw, assertions in <dataset>_assertions. */
  dataset: string;
  outFile: string;
  /** Hours after which a stream counts as stale (workflow_settings.yaml freshness_max_hours). */
  freshnessMaxHours?: number;
  now?: Date;
}

export interface BuildReportResult {
  outFile: string;
  bytes: number;
  /** Rows and JSON bytes each embedded table contributes (what the file's size is made of). */
  tables: Record<string, { rows: number; bytes: number }>;
}

/** Reads the warehouse (read-only) and writes the dashboard; returns the absolute path written. */
export async function buildReport(opts: BuildReportOptions): Promise<BuildReportResult> {
  const data: ReportData = await readReportData(opts);
  const html = renderHtml(data);
  const outFile = resolve(opts.outFile);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, html);
  return { outFile, bytes: Buffer.byteLength(html), tables: tableSizes(data) };
}

function tableSizes(data: ReportData): BuildReportResult["tables"] {
  const sizes: BuildReportResult["tables"] = {};
  for (const [name, value] of Object.entries(data)) {
    if (value && typeof value === "object" && "values" in value) sizes[name] = { rows: value.rows, bytes: Buffer.byteLength(JSON.stringify(value)) };
  }
  sizes.people = { rows: Object.keys(data.people).length, bytes: Buffer.byteLength(JSON.stringify(data.people)) };
  return sizes;
}
