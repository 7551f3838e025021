// One load run: every selected stream, concurrently (each vendor limit is paced on its own), each window fetched
// page by page, validated, written to the lake and then appended to its raw table. A failing stream is reported
// and leaves every other stream landed.
import { randomBytes } from "node:crypto";
import type { Config } from "./core/config.ts";
import { addDays, chunkRange, daysInRange, isDay, today, type Day, type DayRange } from "./core/days.ts";
import type { RequestStats } from "./core/http.ts";
import { openLake, verifyObject, type Lake, type LakeObject, type NdjsonWriter } from "./core/lake.ts";
import { silentLogger, type Logger } from "./core/log.ts";
import { redact } from "./core/redact.ts";
import type { FetchedRecord, StreamDef } from "./core/stream.ts";
import {
  LOAD_RUN_COLUMNS,
  LOAD_RUNS_TABLE,
  openWarehouse,
  QUARANTINE_COLUMNS,
  QUARANTINE_TABLE,
  RAW_COLUMNS,
  rawTable,
  type RawWarehouse,
} from "./core/warehouse.ts";
import { ALL_STREAMS, configuredStreams } from "./sources.ts";

export const MODES = ["dry_run", "development", "production"] as const;
export type Mode = (typeof MODES)[number];

export interface LoadOptions {
  mode: Mode;
  /** Days ending yesterday (UTC). Ignored when start is given. Default 1. */
  days?: number;
  start?: Day;
  /** Inclusive; default yesterday. */
  end?: Day;
  /** Extra days re-fetched before the range, for late data. Default 0. */
  lookback?: number;
  sources?: string[];
  /** `stream` or `source.stream`. */
  streams?: string[];
}

export interface StreamResult {
  source: string;
  stream: string;
  status: "succeeded" | "failed";
  requests: number;
  retries: number;
  pages: number;
  records: number;
  quarantined: number;
  bytes: number;
  /** Days whose fetch completed and landed: for each, this run's fetch is now the latest (staging reads only it). */
  windows: Day[];
  /** Days of a range stream that came back with no records (e.g. outside the vendor's history, or a quiet day). */
  emptyDays: Day[];
  startedAt: string;
  finishedAt: string;
  error?: string;
}

export interface RunSummary {
  runId: string;
  mode: Mode;
  ok: boolean;
  range: DayRange;
  startedAt: string;
  finishedAt: string;
  lakeUri?: string;
  streams: StreamResult[];
}

export type ProgressEvent =
  | { type: "start"; runId: string; range: DayRange; streams: { source: string; stream: string }[] }
  | { type: "page"; source: string; stream: string; pages: number; records: number; quarantined: number; requests: number }
  | { type: "stream-end"; result: StreamResult };

export interface LoadDeps {
  log?: Logger;
  onProgress?: (event: ProgressEvent) => void;
  now?: () => Date;
  lake?: Lake;
  warehouse?: RawWarehouse;
}

export class OptionsError extends Error {
  override name = "OptionsError";
}

/** The UTC days a run covers: `days` ending yesterday, or start..end, widened by the lookback. */
export function resolveRange(options: LoadOptions, now: Date = new Date()): DayRange {
  const yesterday = addDays(today(now), -1);
  for (const [name, value] of [["start", options.start], ["end", options.end]] as const) {
    if (value !== undefined && !isDay(value)) throw new OptionsError(`${name} ${value}: expected a real date YYYY-MM-DD`);
  }
  const intOption = (name: string, value: number | undefined, min: number) => {
    if (value !== undefined && (!Number.isInteger(value) || value < min)) {
      throw new OptionsError(`${name} ${value}: expected a whole number ≥ ${min}`);
    }
  };
  intOption("days", options.days, 1);
  intOption("lookback", options.lookback, 0);
  for (const [name, value] of [["days", options.days], ["lookback", options.lookback]] as const) {
    if (value !== undefined && value > MAX_DAYS) throw new OptionsError(`${name} ${value}: at most ${MAX_DAYS} days (ten years) a run; the vendors keep far less`);
  }
  if (options.days !== undefined && options.start !== undefined) {
    throw new OptionsError("days and start cannot be combined: days N loads the N days ending yesterday, start (with an optional end) a range; give one");
  }
  const end = options.end ?? yesterday;
  if (end > today(now)) throw new OptionsError(`end ${end} is in the future (today is ${today(now)} UTC)`);
  const start = options.start ?? addDays(end, -((options.days ?? 1) - 1));
  if (start > end) throw new OptionsError(`start ${start} is after end ${end} (end defaults to yesterday, UTC)`);
  return { start: addDays(start, -(options.lookback ?? 0)), end };
}

/** The longest range one run may ask for. */
export const MAX_DAYS = 3660;

/** Sorts by start time to the millisecond: staging takes a window's latest fetch as the one with the highest run id. */
export function newRunId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, "")}-${randomBytes(3).toString("hex")}`;
}

/** Picks the streams the options ask for; unknown names are an error that lists the valid ones. */
export function selectStreams(all: StreamDef[], options: Pick<LoadOptions, "sources" | "streams">): StreamDef[] {
  for (const source of options.sources ?? []) {
    if (!ALL_STREAMS[source]) throw new OptionsError(`--sources ${source}: unknown source; valid: ${Object.keys(ALL_STREAMS).join(", ")}`);
  }
  const known = Object.entries(ALL_STREAMS).flatMap(([s, names]) => names.flatMap((n) => [n, `${s}.${n}`]));
  for (const stream of options.streams ?? []) {
    if (!known.includes(stream)) throw new OptionsError(`--streams ${stream}: unknown stream; valid: ${known.filter((k) => k.includes(".")).join(", ")}`);
  }
  return all.filter(
    (s) =>
      (!options.sources?.length || options.sources.includes(s.source)) &&
      (!options.streams?.length || options.streams.includes(s.name) || options.streams.includes(`${s.source}.${s.name}`)),
  );
}

export async function runLoad(config: Config, options: LoadOptions, deps: LoadDeps = {}): Promise<RunSummary> {
  const log = deps.log ?? silentLogger;
  const clock = deps.now ?? (() => new Date());
  const now = clock();
  if (!MODES.includes(options.mode)) throw new OptionsError(`--mode ${options.mode}: expected one of ${MODES.join(", ")}`);
  const range = resolveRange(options, now);
  const streams = selectStreams(configuredStreams(config, log), options);
  if (streams.length === 0) throw new OptionsError(noStreamMessage(config, options));
  const runId = newRunId(now);
  const runDate = today(now);
  const dryRun = options.mode === "dry_run";
  const lake = dryRun ? undefined : (deps.lake ?? (await openLake(config.lakeUri)));
  const warehouse = dryRun ? undefined : (deps.warehouse ?? (await openWarehouse(config, `load run ${runId}`)));
  if (warehouse) {
    const tables = Object.entries(ALL_STREAMS).flatMap(([source, names]) => names.map((n) => rawTable(source, n)));
    for (const table of tables) await warehouse.ensureTable(table, RAW_COLUMNS);
    await warehouse.ensureTable(QUARANTINE_TABLE, QUARANTINE_COLUMNS);
    await warehouse.ensureTable(LOAD_RUNS_TABLE, LOAD_RUN_COLUMNS);
  }
  const startedAt = now.toISOString();
  deps.onProgress?.({ type: "start", runId, range, streams: streams.map((s) => ({ source: s.source, stream: s.name })) });
  log.info({ runId, mode: options.mode, range, streams: streams.length }, `load run ${runId}: ${range.start}..${range.end}`);

  const landedObjects = new Map<StreamResult, LakeObject[]>();
  try {
    const results = await Promise.all(
      streams.map(async (def) => {
        const { result, objects } = await loadStream(def, { runId, runDate, range, lake, warehouse, clock, onProgress: deps.onProgress });
        landedObjects.set(result, objects);
        deps.onProgress?.({ type: "stream-end", result });
        const fields = { runId, source: result.source, stream: result.stream, records: result.records, quarantined: result.quarantined, requests: result.requests, emptyDays: result.emptyDays.length };
        if (result.status === "failed") log.error({ ...fields, error: result.error }, `${def.source}.${def.name} failed: ${result.error}`);
        else log.info(fields, `${def.source}.${def.name}: ${result.records} records, ${result.quarantined} quarantined${emptyDaysNote(result)}`);
        return result;
      }),
    );
    const summary: RunSummary = {
      runId,
      mode: options.mode,
      ok: results.every((r) => r.status !== "failed"),
      range,
      startedAt,
      finishedAt: clock().toISOString(),
      lakeUri: lake?.uri,
      streams: results,
    };
    if (lake && warehouse) await recordRun(summary, runDate, lake, warehouse, landedObjects);
    return summary;
  } finally {
    await warehouse?.close();
  }
}

interface StreamContext {
  runId: string;
  runDate: Day;
  range: DayRange;
  lake?: Lake;
  warehouse?: RawWarehouse;
  /** The run's clock (injectable, so a simulated clock drives fetched_at as it drives the vendor). */
  clock: () => Date;
  onProgress?: (event: ProgressEvent) => void;
}

/** Why nothing is selected, in words that fit both the CLI and the service (which has no --sources). */
function noStreamMessage(config: Config, options: Pick<LoadOptions, "sources" | "streams">): string {
  const configured = configuredStreams(config, silentLogger);
  if (configured.length === 0) {
    return "no source is configured: set CURSOR_API_KEY, ANTHROPIC_ADMIN_API_KEY, GOOGLE_SHEETS_SPREADSHEET_ID or MAPPING_URI (README, Configuration)";
  }
  const asked = [...(options.sources ?? []), ...(options.streams ?? [])].join(", ");
  const sources = [...new Set(configured.map((s) => s.source))].join(", ");
  return `nothing to load: ${asked} belongs to no configured source (configured: ${sources}); configure it (README, Configuration) or choose among those`;
}

async function loadStream(def: StreamDef, ctx: StreamContext): Promise<{ result: StreamResult; objects: LakeObject[] }> {
  const stats: RequestStats = { requests: 0, retries: 0, bytes: 0 };
  const result: StreamResult = {
    source: def.source,
    stream: def.name,
    status: "succeeded",
    requests: 0,
    retries: 0,
    pages: 0,
    records: 0,
    quarantined: 0,
    bytes: 0,
    windows: [],
    emptyDays: [],
    startedAt: ctx.clock().toISOString(),
    finishedAt: "",
  };
  const windows = def.window.kind === "snapshot" ? [{ start: ctx.runDate, end: ctx.runDate }] : chunkRange(ctx.range, def.window.maxDays);
  // The next window's first page is requested while this one is written: the vendor's and our work overlap.
  const previous = ctx.warehouse ? () => ctx.warehouse!.latestSnapshot(rawTable(def.source, def.name)) : undefined;
  const open = (window: DayRange) => readAhead(def.fetch({ window, stats, previous }));
  let upcoming = windows[0] ? open(windows[0]) : undefined;
  const landed: Omit<WindowObjects, "days"> = { raw: [], quarantine: [] };
  let failure: unknown;
  try {
    for (const [i, window] of windows.entries()) {
      const pages = upcoming!;
      upcoming = windows[i + 1] ? open(windows[i + 1]!) : undefined;
      const objects = await loadWindow(def, window, pages, stats, result, ctx);
      landed.raw.push(...objects.raw);
      landed.quarantine.push(...objects.quarantine);
      const days = def.window.kind === "snapshot" ? [ctx.runDate] : daysOf(window);
      result.windows.push(...days);
      if (def.window.kind === "range") result.emptyDays.push(...days.filter((d) => !objects.days.has(d)));
    }
  } catch (error) {
    failure = error;
    upcoming?.stop();
  }
  // Every complete window in one append per table (one load job on BigQuery, whose quota counts jobs per table),
  // also when a later window failed: what was fetched whole is kept. Each object is first checked against the size
  // and SHA-256 it was written with: what changed in between is not loaded.
  const loaded: LakeObject[] = [];
  try {
    for (const object of [...landed.raw, ...landed.quarantine]) await verifyObject(ctx.lake!, object);
    await ctx.warehouse?.append(rawTable(def.source, def.name), RAW_COLUMNS, landed.raw);
    loaded.push(...landed.raw);
    await ctx.warehouse?.append(QUARANTINE_TABLE, QUARANTINE_COLUMNS, landed.quarantine);
    loaded.push(...landed.quarantine);
  } catch (error) {
    failure ??= error;
  }
  // a window counts as fetched only once its records are in the raw table
  if (loaded.length < landed.raw.length) result.windows = [];
  if (failure !== undefined) {
    result.status = "failed";
    result.error = redact((failure as Error).message);
  }
  Object.assign(result, { requests: stats.requests, retries: stats.retries, bytes: stats.bytes, finishedAt: ctx.clock().toISOString() });
  return { result, objects: loaded };
}

/** "; no records on 3 of 30 days (2026-01-01..2026-01-03)": days a vendor answered empty, e.g. beyond its history. */
export function emptyDaysNote(result: Pick<StreamResult, "emptyDays" | "windows">): string {
  const empty = [...result.emptyDays].sort();
  if (empty.length === 0) return "";
  const span = empty.length === 1 ? empty[0] : `${empty[0]}..${empty[empty.length - 1]}`;
  return `; no records on ${empty.length} of ${result.windows.length} days (${span})`;
}

function daysOf(range: DayRange): Day[] {
  return Array.from({ length: daysInRange(range.start, range.end) }, (_, i) => addDays(range.start, i));
}

interface WindowObjects {
  raw: LakeObject[];
  quarantine: LakeObject[];
  /** Days that received at least one record. */
  days: Set<Day>;
}

/**
 * One window: pages stream into one lake object per (window day, run). A window that fails half-way drops its
 * objects, so a half-fetched snapshot never becomes the latest one; a complete window's objects are returned
 * for the stream's append.
 */
async function loadWindow(def: StreamDef, window: DayRange, pages: ReadAhead, stats: RequestStats, result: StreamResult, ctx: StreamContext): Promise<WindowObjects> {
  const raw = new Map<Day, NdjsonWriter>();
  const quarantine = new Map<Day, NdjsonWriter>();
  const { lake } = ctx;
  const writer = (kind: "raw" | "quarantine", day: Day) => {
    const writers = kind === "raw" ? raw : quarantine;
    let w = writers.get(day);
    if (!w) {
      w = lake!.openNdjson(`${kind}/${def.source}/${def.name}/dt=${day}/${ctx.runId}.jsonl.gz`);
      writers.set(day, w);
    }
    return w;
  };
  const uriOf = (kind: "raw" | "quarantine", day: Day) => `${lake!.uri}/${kind}/${def.source}/${def.name}/dt=${day}/${ctx.runId}.jsonl.gz`;
  const counted = { records: result.records, quarantined: result.quarantined };
  const days = new Set<Day>();
  try {
    for await (const page of pages.pages()) {
      const fetchedAt = ctx.clock().toISOString();
      result.pages++;
      for (const item of page) {
        days.add(item.windowDate);
        const check = def.schema.safeParse(item.record);
        if (check.success) {
          counted.records++;
          if (lake) {
            await writer("raw", item.windowDate).write({
              run_id: ctx.runId,
              fetched_at: fetchedAt,
              window_date: item.windowDate,
              window_start: item.windowStart,
              window_end: item.windowEnd,
              lake_uri: uriOf("raw", item.windowDate),
              record: item.record,
            });
          }
        } else {
          counted.quarantined++;
          if (lake) {
            await writer("quarantine", item.windowDate).write({
              run_id: ctx.runId,
              fetched_at: fetchedAt,
              source: def.source,
              stream: def.name,
              window_date: item.windowDate,
              reason: check.error.issues.map((i) => `${i.path.join(".") || "record"}: ${i.message}`).join("; "),
              lake_uri: uriOf("quarantine", item.windowDate),
              record: item.record,
            });
          }
        }
      }
      ctx.onProgress?.({
        type: "page",
        source: def.source,
        stream: def.name,
        pages: result.pages,
        records: counted.records,
        quarantined: counted.quarantined,
        requests: stats.requests,
      });
    }
  } catch (error) {
    await Promise.all([...raw.values(), ...quarantine.values()].map((w) => w.abort()));
    throw error;
  }
  const objects = { raw: await closeAll(raw), quarantine: await closeAll(quarantine), days };
  result.records = counted.records;
  result.quarantined = counted.quarantined;
  return objects;
}

interface ReadAhead {
  pages(): AsyncIterable<FetchedRecord[]>;
  /** Abandons the pages not consumed yet. */
  stop(): void;
}

/** Pages with the next one always requested already, so the vendor prepares it while we write the current one. */
function readAhead(source: AsyncIterable<FetchedRecord[]>): ReadAhead {
  const it = source[Symbol.asyncIterator]();
  const step = () => {
    const next = it.next();
    next.catch(() => undefined); // awaited by pages(), or dropped with an abandoned window
    return next;
  };
  let next = step();
  return {
    async *pages() {
      for (;;) {
        const current = await next;
        if (current.done) return;
        next = step();
        yield current.value;
      }
    },
    stop: () => void it.return?.(undefined).catch(() => undefined),
  };
}

async function closeAll(writers: Map<Day, NdjsonWriter>): Promise<LakeObject[]> {
  return Promise.all([...writers.values()].map((w) => w.close()));
}

/** The run manifest: one line per stream in the lake, and the same rows in raw_load_runs. */
async function recordRun(summary: RunSummary, runDate: Day, lake: Lake, warehouse: RawWarehouse, objects: Map<StreamResult, LakeObject[]>) {
  const key = `manifests/dt=${runDate}/${summary.runId}.jsonl.gz`;
  const writer = lake.openNdjson(key);
  for (const s of summary.streams) {
    await writer.write({
      run_id: summary.runId,
      source: s.source,
      stream: s.stream,
      mode: summary.mode,
      started_at: s.startedAt,
      finished_at: s.finishedAt,
      status: s.status,
      requests: s.requests,
      records: s.records,
      quarantined: s.quarantined,
      bytes: s.bytes,
      windows: s.windows,
      error: s.error ?? null,
      objects: (objects.get(s) ?? []).map((o) => ({ uri: o.uri, lines: o.lines, bytes: o.bytes, sha256: o.sha256 })),
    });
  }
  const manifest = await writer.close();
  await verifyObject(lake, manifest);
  await warehouse.append(LOAD_RUNS_TABLE, LOAD_RUN_COLUMNS, [manifest]);
}
