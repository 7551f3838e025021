// One load in a process of its own, so its peak RSS is the loader's alone (Cloud Run's memory limit applies to it).
// Input: one JSON argument (ChildJob). Output: one JSON line (ChildResult) on stdout.
// "pipeline" runs runLoad (optionally recording every request it sends); "baseline" replays recorded requests:
// the same pages, fetched the same way (streams concurrently, pages in order), the bodies written unparsed.
import { createWriteStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { once } from "node:events";
import { runLoad, type Mode, type RunSummary } from "../loaders/index.ts";
import { morningAfter, simConfig } from "./sim.ts";

export type ChildJob =
  | { kind: "pipeline"; env: Record<string, string>; dir: string; days: number; endDate: string; timeScale: number; recordTo?: string; mode?: Mode; lookback?: number; lakeOnly?: boolean }
    /** origin: the simulator to replay against (a fresh one, so neither run finds its day cache warm). */
  | { kind: "baseline"; dir: string; requestsFrom: string; origin: string };

export interface BaselineResult {
  ms: number;
  requests: number;
  bytes: number;
}

export interface ChildResult {
  summary?: RunSummary;
  /** From the first request sent to the last response body received. */
  fetchSpanMs?: number;
  baseline?: BaselineResult;
  ms: number;
  /** Peak resident set of this process, bytes. */
  peakRssBytes: number;
  /** CPU time of this process (user + system, all threads), ms. */
  cpuMs: number;
}

interface RecordedRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body?: string;
}

/**
 * Watches the requests the loaders send through fetch (ky calls the global one): when the first started and the
 * last body arrived, and, with `into`, every request for the baseline to replay.
 */
function watchFetch(span: { first?: number; last?: number }, into?: RecordedRequest[]): void {
  const original = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    span.first ??= performance.now();
    const request = new Request(input, init);
    if (into) {
      const body = request.method === "GET" ? undefined : await request.clone().text();
      const headers: [string, string][] = [];
      request.headers.forEach((value, name) => headers.push([name, value]));
      into.push({ method: request.method, url: request.url, headers, ...(body === undefined ? {} : { body }) });
    }
    const response = await original(request);
    const body = await response.arrayBuffer(); // read here so `last` is when the body arrived
    span.last = performance.now();
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** Replays the requests: one endpoint's requests in order, endpoints concurrently; each body written as is. */
async function replay(requests: RecordedRequest[], origin: string, dir: string): Promise<BaselineResult> {
  await mkdir(dir, { recursive: true });
  const byPath = new Map<string, RecordedRequest[]>();
  for (const r of requests) {
    const key = new URL(r.url).pathname;
    byPath.set(key, [...(byPath.get(key) ?? []), r]);
  }
  const t0 = performance.now();
  const bytes = await Promise.all(
    [...byPath].map(async ([key, list], i) => {
      const out = createWriteStream(path.join(dir, `baseline-${i}.json`));
      let written = 0;
      for (const r of list) {
        const url = new URL(r.url);
        const response = await fetch(new URL(url.pathname + url.search, origin), { method: r.method, headers: r.headers, ...(r.body === undefined ? {} : { body: r.body }) });
        if (!response.ok) throw new Error(`baseline ${r.method} ${key}: HTTP ${response.status}`);
        const chunk = Buffer.from(await response.arrayBuffer());
        written += chunk.length;
        if (!out.write(chunk)) await once(out, "drain");
      }
      out.end();
      await once(out, "finish");
      return written;
    }),
  );
  return { ms: Math.round(performance.now() - t0), requests: requests.length, bytes: bytes.reduce((a, b) => a + b, 0) };
}

async function main() {
  const job = JSON.parse(process.argv[2] ?? "") as ChildJob;
  const t0 = performance.now();
  const span: { first?: number; last?: number } = {};
  let result: Omit<ChildResult, "ms" | "peakRssBytes" | "cpuMs">;
  if (job.kind === "pipeline") {
    const recorded: RecordedRequest[] = [];
    watchFetch(span, job.recordTo ? recorded : undefined);
    const config = simConfig(job.env, job.dir, job.timeScale);
    // lakeOnly: the Cloud Run shape. There the warehouse step is a BigQuery load job that reads the lake
    // server-side and costs the process nothing; here the embedded DuckDB would run inside it.
    const warehouse = job.lakeOnly ? { ensureTable: async () => undefined, append: async () => undefined, close: async () => undefined, countBy: async () => new Map(), latestSnapshot: async () => undefined } : undefined;
    const options = { mode: job.mode ?? "development", days: job.days, end: job.endDate, lookback: job.lookback ?? 0 } as const;
    const summary = await runLoad(config, options, { now: () => morningAfter(job.endDate), ...(warehouse ? { warehouse } : {}) });
    if (job.recordTo) await writeFile(job.recordTo, JSON.stringify(recorded));
    result = { summary, fetchSpanMs: Math.round((span.last ?? 0) - (span.first ?? 0)) };
  } else {
    const requests = JSON.parse(await readFile(job.requestsFrom, "utf8")) as RecordedRequest[];
    result = { baseline: await replay(requests, job.origin, job.dir) };
  }
  const ms = Math.round(performance.now() - t0);
  const usage = process.resourceUsage();
  const peakRssBytes = usage.maxRSS * 1024; // maxRSS is in KiB
  const cpuMs = Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000);
  process.stdout.write(`${JSON.stringify({ ...result, ms, peakRssBytes, cpuMs })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
