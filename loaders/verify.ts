// npm run verify: the lake against its manifests (every object's size and SHA-256) and the raw tables (every object
// loaded, row for row). Reads only; says what is missing, corrupted, unloaded or in no manifest, and what to do.
import { gunzipSync } from "node:zlib";
import type { Config } from "./core/config.ts";
import { openLake, type Lake } from "./core/lake.ts";
import { LOAD_RUNS_TABLE, openWarehouse, QUARANTINE_TABLE, rawTable, type RawWarehouse } from "./core/warehouse.ts";

export type FindingKind = "missing" | "corrupted" | "unloaded" | "unrecorded";

export interface Finding {
  kind: FindingKind;
  /** The object's key in the lake, e.g. raw/cursor/members/dt=2026-11-21/<run>.jsonl.gz. */
  key: string;
  detail: string;
}

export interface VerifyReport {
  lakeUri: string;
  manifests: number;
  /** Objects whose size and SHA-256 were checked against a manifest. */
  checked: number;
  /** Manifests written before object hashes were recorded: their objects are checked for loading only. */
  legacyManifests: number;
  findings: Finding[];
}

interface Recorded {
  uri: string;
  lines: number;
  bytes: number;
  sha256: string;
}

interface ManifestLine {
  run_id: string;
  source: string;
  stream: string;
  objects?: Recorded[];
}

const OBJECT = /^(raw|quarantine)\/([^/]+)\/([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/([^/]+)\.jsonl\.gz$/;

export async function verifyLake(config: Config, deps: { lake?: Lake; warehouse?: RawWarehouse } = {}): Promise<VerifyReport> {
  const lake = deps.lake ?? (await openLake(config.lakeUri));
  const warehouse = deps.warehouse ?? (await openWarehouse(config, "npm run verify"));
  try {
    const report: VerifyReport = { lakeUri: lake.uri, manifests: 0, checked: 0, legacyManifests: 0, findings: [] };
    const keyOf = (uri: string) => (uri.startsWith(`${lake.uri}/`) ? uri.slice(lake.uri.length + 1) : uri.replace(/^.*?\/((raw|quarantine)\/)/, "$1"));
    const recorded = new Map<string, Recorded & { runId: string }>();
    const legacyRuns = new Set<string>();
    const runs = await warehouse.countBy(LOAD_RUNS_TABLE, "run_id");
    for (const manifest of await lake.list("manifests/")) {
      if (!manifest.endsWith(".jsonl.gz")) continue;
      report.manifests++;
      const lines = gunzipSync(await lake.read(manifest)).toString("utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as ManifestLine);
      const runId = lines[0]?.run_id ?? manifest;
      if (!runs.has(runId)) report.findings.push({ kind: "unloaded", key: manifest, detail: `run ${runId} is not in ${LOAD_RUNS_TABLE}` });
      if (lines.some((l) => l.objects === undefined)) {
        report.legacyManifests++;
        legacyRuns.add(runId);
      }
      for (const line of lines) for (const o of line.objects ?? []) recorded.set(keyOf(o.uri), { ...o, runId: line.run_id });
    }

    for (const [key, o] of recorded) {
      report.checked++;
      const stored = await lake.stat(key);
      if (!stored) report.findings.push({ kind: "missing", key, detail: `run ${o.runId} wrote it (${o.bytes} bytes); ${reloadHint(key)}` });
      else if (stored.bytes !== o.bytes || stored.sha256 !== o.sha256) {
        report.findings.push({
          kind: "corrupted",
          key,
          detail: `now ${stored.bytes} bytes, sha256 ${stored.sha256.slice(0, 12)}…; run ${o.runId} wrote ${o.bytes} bytes, sha256 ${o.sha256.slice(0, 12)}…; ${reloadHint(key)}`,
        });
      }
    }

    // Every object in the lake, recorded or not, must be in its raw table with all its rows.
    const loaded = new Map<string, Map<string, number>>();
    const rowsIn = async (table: string) => {
      if (!loaded.has(table)) loaded.set(table, await warehouse.countBy(table, "lake_uri"));
      return loaded.get(table)!;
    };
    for (const key of [...(await lake.list("raw/")), ...(await lake.list("quarantine/"))]) {
      const m = OBJECT.exec(key);
      if (!m) continue; // e.g. a .partial left by a crashed run: never loaded, never recorded
      const [, kind, source, stream, , runId] = m;
      const o = recorded.get(key);
      if (!o && !legacyRuns.has(runId!)) {
        report.findings.push({ kind: "unrecorded", key, detail: `no manifest lists it (run ${runId} did not finish); its size and hash were never recorded` });
      }
      const table = kind === "raw" ? rawTable(source!, stream!) : QUARANTINE_TABLE;
      const uri = `${lake.uri}/${key}`;
      const rows = (await rowsIn(table)).get(uri) ?? 0;
      if (o && rows !== o.lines) report.findings.push({ kind: "unloaded", key, detail: `${rows} of its ${o.lines} rows are in ${table}; ${reloadHint(key)}` });
      else if (!o && rows === 0) report.findings.push({ kind: "unloaded", key, detail: `no row of it is in ${table}` });
    }
    return report;
  } finally {
    if (!deps.warehouse) await warehouse.close();
  }
}

/** The command that fetches an object's day again (see VERIFY_ADVICE for snapshot streams). */
function reloadHint(key: string): string {
  const m = OBJECT.exec(key);
  if (!m) return "re-load its window";
  const [, , source, stream, day] = m;
  return `to fetch the day again: npm run load -- --start ${day} --end ${day} --lookback 0 --streams ${source}.${stream}`;
}

/** Said once under the findings. */
export const VERIFY_ADVICE =
  "A snapshot stream (members, spend, api_keys, workspaces, users, the mapping) only gives today's state when fetched again; " +
  "its raw table keeps the rows loaded then. Objects loaded into another warehouse or dataset show as unloaded: check WAREHOUSE and ENVIRONMENT.";
