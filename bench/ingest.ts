// Scenarios 1 and 2: ingest throughput against a raw baseline, and peak memory across backfill sizes.
import { mkdtempSync } from "node:fs";
import path from "node:path";
import type { StreamResult } from "../loaders/index.ts";
import { runChild } from "./children.ts";
import type { Figure } from "./metrics.ts";
import { withSimulator, type SimSpec } from "../cli/simulated.ts";

const MB = 2 ** 20;
/** Pacing made negligible: the scenario runs with the simulator's limits off. */
const UNLIMITED = 1e6;

export interface IngestOptions {
  seed: number;
  users: number;
  days: number;
  endDate: string;
  workDir: string;
  /** Pipeline and baseline each run this many times (alternating); the fastest of each counts. */
  repeat: number;
}

export interface StreamThroughput {
  stream: string;
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSecond: number;
  mbPerSecond: number;
}

export interface IngestResult {
  pipelineMs: number[];
  lakeOnlyMs: number[];
  baselineMs: number[];
  requests: number;
  records: number;
  bytes: number;
  peakRssBytes: number;
  cpuMs: { pipeline: number; lakeOnly: number; baseline: number };
  streams: StreamThroughput[];
  figures: Figure[];
}

export function streamThroughput(s: StreamResult): StreamThroughput {
  const seconds = Math.max(0.001, (Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 1000);
  return {
    stream: `${s.source}.${s.stream}`,
    records: s.records,
    bytes: s.bytes,
    seconds,
    recordsPerSecond: s.records / seconds,
    mbPerSecond: s.bytes / MB / seconds,
  };
}

export async function ingestScenario(o: IngestOptions): Promise<IngestResult> {
  const spec: SimSpec = { seed: o.seed, users: o.users, historyDays: o.days, endDate: o.endDate, timeScale: false };
  const pipelineMs: number[] = [];
  const lakeOnlyMs: number[] = [];
  const baselineMs: number[] = [];
  let best: Awaited<ReturnType<typeof runChild>> | undefined;
  let baselineBytes = 0;
  const cpu = { pipeline: Infinity, lakeOnly: Infinity, baseline: Infinity };
  // a fresh simulator per run, so neither the pipeline nor the baseline finds the simulator's day cache warm
  for (let i = 0; i < o.repeat; i++) {
    const dir = mkdtempSync(path.join(o.workDir, "ingest-"));
    const requests = path.join(dir, "requests.json");
    const run = await withSimulator(spec, (sim) =>
      runChild({ kind: "pipeline", env: sim.env, dir, days: o.days, endDate: o.endDate, timeScale: UNLIMITED, recordTo: requests }),
    );
    if (!run.summary?.ok) throw new Error(`ingest: the load failed: ${JSON.stringify(run.summary?.streams.filter((s) => s.status === "failed"))}`);
    pipelineMs.push(run.ms);
    if (!best || run.ms <= best.ms) best = run;
    // Diagnostic: the same load without the in-process DuckDB append (the Cloud Run shape, see memoryScenario).
    const lakeOnly = await withSimulator(spec, (sim) =>
      runChild({ kind: "pipeline", env: sim.env, dir: path.join(dir, "lake-only"), days: o.days, endDate: o.endDate, timeScale: UNLIMITED, lakeOnly: true }),
    );
    lakeOnlyMs.push(lakeOnly.ms);
    cpu.pipeline = Math.min(cpu.pipeline, run.cpuMs);
    cpu.lakeOnly = Math.min(cpu.lakeOnly, lakeOnly.cpuMs);
    const base = await withSimulator(spec, (sim) => runChild({ kind: "baseline", dir: path.join(dir, "baseline"), requestsFrom: requests, origin: sim.url }));
    baselineMs.push(base.ms);
    cpu.baseline = Math.min(cpu.baseline, base.cpuMs);
    baselineBytes = base.baseline!.bytes;
  }
  const summary = best!.summary!;
  const streams = summary.streams.map(streamThroughput);
  const records = streams.reduce((n, s) => n + s.records, 0);
  const bytes = streams.reduce((n, s) => n + s.bytes, 0);
  if (bytes !== baselineBytes) throw new Error(`ingest: the baseline fetched ${baselineBytes} bytes, the pipeline ${bytes}: not the same pages`);
  const pipeline = Math.min(...pipelineMs);
  const baseline = Math.min(...baselineMs);
  const scenario = `1 ingest ${o.users}u×${o.days}d`;
  const figures: Figure[] = [
    { scenario, name: "pipeline wall time", value: pipeline / 1000, unit: "s" },
    { scenario, name: "raw baseline wall time", value: baseline / 1000, unit: "s" },
    { scenario, name: "pipeline / baseline", value: pipeline / baseline, unit: "×", target: { op: "<=", limit: 1.5 } },
    { scenario, name: "  without the DuckDB load (Cloud Run shape) / baseline", value: Math.min(...lakeOnlyMs) / baseline, unit: "×" },
    { scenario, name: `loader process CPU: pipeline ${(cpu.pipeline / 1000).toFixed(1)} s, lake only ${(cpu.lakeOnly / 1000).toFixed(1)} s, baseline`, value: cpu.baseline / 1000, unit: "s" },
    { scenario, name: "records/s (all streams)", value: records / (pipeline / 1000), unit: "rec/s" },
    { scenario, name: "MB/s fetched (all streams)", value: bytes / MB / (pipeline / 1000), unit: "MB/s" },
    { scenario, name: "peak RSS (loader + DuckDB warehouse)", value: best!.peakRssBytes / MB, unit: "MB" },
  ];
  return {
    pipelineMs,
    lakeOnlyMs,
    baselineMs,
    requests: summary.streams.reduce((n, s) => n + s.requests, 0),
    records,
    bytes,
    peakRssBytes: best!.peakRssBytes,
    cpuMs: cpu,
    streams,
    figures,
  };
}

export interface MemoryResult {
  runs: { days: number; peakRssBytes: number; records: number; ms: number }[];
  figures: Figure[];
}

/**
 * Peak RSS of a whole backfill in its own process, for each size, in the Cloud Run shape: lake writes in the
 * process, the warehouse load outside it (BigQuery load jobs). The local DuckDB warehouse is measured by scenario 1.
 */
export async function memoryScenario(o: { seed: number; users: number; sizes: number[]; endDate: string; workDir: string; limitMb: number }): Promise<MemoryResult> {
  const runs: MemoryResult["runs"] = [];
  for (const days of o.sizes) {
    const spec: SimSpec = { seed: o.seed, users: o.users, historyDays: days, endDate: o.endDate, timeScale: false };
    const dir = mkdtempSync(path.join(o.workDir, `memory-${days}-`));
    const run = await withSimulator(spec, (sim) =>
      runChild({ kind: "pipeline", env: sim.env, dir, days, endDate: o.endDate, timeScale: UNLIMITED, lakeOnly: true }),
    );
    if (!run.summary?.ok) throw new Error(`memory ${days} days: the load failed`);
    runs.push({ days, peakRssBytes: run.peakRssBytes, records: run.summary.streams.reduce((n, s) => n + s.records, 0), ms: run.ms });
  }
  const scenario = `2 memory ${o.users}u, lake only`;
  const figures: Figure[] = runs.map((r) => ({ scenario, name: `peak RSS, ${r.days} days (${r.records} records)`, value: r.peakRssBytes / MB, unit: "MB" }));
  const [previous, largest] = [runs[runs.length - 2], runs[runs.length - 1]!];
  figures.push({ scenario, name: `peak RSS at ${largest.days} days`, value: largest.peakRssBytes / MB, unit: "MB", target: { op: "<=", limit: o.limitMb } });
  if (previous) figures.push(flatness(scenario, previous, largest));
  return { runs, figures };
}

/**
 * Flat: past the longest fetch window (31 days) every stream works at full chunk size, so more days may cost a
 * little (longer run, more GC history) but not in proportion: at most 15 % more memory for the larger backfill.
 */
export function flatness(scenario: string, smaller: { days: number; peakRssBytes: number }, larger: { days: number; peakRssBytes: number }): Figure {
  return {
    scenario,
    name: `peak RSS ${larger.days} d / ${smaller.days} d (${(larger.days / smaller.days).toFixed(1)}× the days)`,
    value: larger.peakRssBytes / smaller.peakRssBytes,
    unit: "×",
    target: { op: "<=", limit: 1.15 },
  };
}
