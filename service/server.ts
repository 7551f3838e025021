// The Cloud Run HTTP service: GET /health and POST /run-daily-job (load, then the Dataform workflow).
import http from "node:http";
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { RunRequestSchema, describeIssues, loadOptionsOf, type RunRequest } from "./run-request.ts";
import { LockBusyError, type RunLock } from "./lock.ts";
import type { DataformResult } from "./dataform.ts";
import type { LoadSummary, RunLoadFn } from "./types.ts";
import { traceFields } from "./trace.ts";
import type { CostVariance } from "./cost-check.ts";

export interface ServiceDeps<C> {
  runLoad: RunLoadFn<C>;
  /** Undefined when no Dataform repository is configured (local development): the step is then skipped. */
  triggerDataform?: (signal: AbortSignal) => Promise<DataformResult>;
  lock: RunLock;
  /** The loaders' configuration for one run (secrets read here, once per run). */
  config: () => Promise<C>;
  log: Logger;
  /** Yesterday's cost against the trailing week; run after a successful Dataform run. Optional. */
  costCheck?: () => Promise<CostVariance>;
  environment: string;
  project?: string;
}

export interface RunResponse {
  requestId: string;
  ok: boolean;
  request: RunRequest;
  load?: LoadSummary;
  dataform?: DataformResult | { state: "SKIPPED"; reason: string };
  cost?: CostVariance;
  error?: string;
  durationMs: number;
}

const MAX_BODY = 16 * 1024;

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${randomBytes(3).toString("hex")}`;
}

export function createServer<C>(deps: ServiceDeps<C>) {
  const startedAt = Date.now();
  let active: { id: string; startedAt: string; done: Promise<unknown>; abort: AbortController } | undefined;
  let shuttingDown = false;

  function send(res: http.ServerResponse, status: number, body: unknown) {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(text);
  }

  async function readBody(req: http.IncomingMessage): Promise<string> {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) throw new Error(`body larger than ${MAX_BODY} bytes`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  async function execute(id: string, request: RunRequest, log: Logger, signal: AbortSignal): Promise<RunResponse> {
    const t0 = Date.now();
    const result: RunResponse = { requestId: id, ok: false, request, durationMs: 0 };
    try {
      const config = await deps.config();
      const load = await deps.runLoad(config, loadOptionsOf(request));
      result.load = load;
      for (const s of load.streams) {
        log[s.status === "failed" ? "error" : "info"](
          { event: "stream_finished", runId: load.runId, source: s.source, stream: s.stream, status: s.status, records: s.records, quarantined: s.quarantined, requests: s.requests, bytes: s.bytes, error: s.error },
          `${s.source}.${s.stream} ${s.status}: ${s.records} records, ${s.quarantined} quarantined`,
        );
      }
      if (request.mode === "dry_run") result.dataform = { state: "SKIPPED", reason: "dry_run writes nothing to transform" };
      else if (!deps.triggerDataform) result.dataform = { state: "SKIPPED", reason: "no Dataform repository configured" };
      else {
        const df = await deps.triggerDataform(signal);
        result.dataform = df;
        for (const e of df.compilationErrors) log.error({ event: "dataform_compilation_error", ...e }, `Dataform compilation error: ${e.message}`);
        for (const a of df.failedActions) {
          log.error({ event: "dataform_action_failed", ...a }, `Dataform ${a.kind} failed: ${a.target}: ${a.failureReason ?? a.state}`);
        }
      }
      const dataformOk = result.dataform.state === "SKIPPED" || result.dataform.state === "SUCCEEDED";
      result.ok = load.ok && dataformOk;
      if (result.dataform.state === "SUCCEEDED" && deps.costCheck) result.cost = await checkCost(log);
    } catch (e) {
      result.error = e instanceof Error ? e.message : String(e);
    }
    result.durationMs = Date.now() - t0;
    return result;
  }

  // A failing check never fails the run: it is a warning about spend, not about the data.
  async function checkCost(log: Logger): Promise<CostVariance | undefined> {
    try {
      const cost = await deps.costCheck!();
      const fields = { day: cost.day, costUsd: cost.costUsd, trailingAverageUsd: cost.trailingAverageUsd, variance: cost.variance };
      if (cost.exceeded) {
        const pct = cost.variance === null ? "from zero" : `${(cost.variance * 100).toFixed(1)} %`;
        log.warn({ event: "cost_variance_exceeded", ...fields }, `cost on ${cost.day} is $${cost.costUsd.toFixed(2)}, ${pct} against the 7-day average $${cost.trailingAverageUsd.toFixed(2)}`);
      } else log.info({ event: "daily_cost", ...fields }, `cost on ${cost.day}: $${cost.costUsd.toFixed(2)}`);
      return cost;
    } catch (e) {
      log.warn({ event: "cost_check_failed" }, `cost check failed: ${(e as Error).message}`);
      return undefined;
    }
  }

  async function runDailyJob(req: http.IncomingMessage, res: http.ServerResponse, log: Logger) {
    if (shuttingDown) return send(res, 503, { error: "shutting down; retry later" });
    let parsedJson: unknown;
    try {
      const text = await readBody(req);
      parsedJson = text.trim() === "" ? {} : JSON.parse(text);
    } catch (e) {
      return send(res, 400, { error: `body must be a JSON object: ${(e as Error).message}` });
    }
    const parsed = RunRequestSchema.safeParse(parsedJson);
    if (!parsed.success) return send(res, 400, { error: `invalid request: ${describeIssues(parsed.error)}` });
    if (active) {
      return send(res, 409, { error: `a run is already in progress on this instance: ${active.id} since ${active.startedAt}` });
    }
    const id = newRunId();
    const runLog = log.child({ requestId: id });
    const abort = new AbortController();
    let finish!: () => void;
    active = { id, startedAt: new Date().toISOString(), done: new Promise<void>((r) => (finish = r)), abort };
    try {
      let handle;
      try {
        handle = await deps.lock.acquire(id);
      } catch (e) {
        if (e instanceof LockBusyError) {
          runLog.warn({ event: "run_rejected_locked", holder: e.holder }, e.message);
          return send(res, 409, { error: e.message, holder: e.holder });
        }
        throw e;
      }
      // If shutdown aborts a run that cannot stop in time, free the lock now instead of after its TTL.
      const lockHandle = handle;
      abort.signal.addEventListener("abort", () => void lockHandle.release().catch(() => undefined));
      runLog.info({ event: "daily_job_started", request: parsed.data, lock: deps.lock.describe() }, "daily job started");
      let result: RunResponse;
      try {
        result = await execute(id, parsed.data, runLog, abort.signal);
      } finally {
        await handle.release().catch((e: Error) => runLog.error({ event: "lock_release_failed" }, `lock release failed: ${e.message}`));
      }
      const failedStreams = result.load?.streams.filter((s) => s.status === "failed").length ?? 0;
      runLog[result.ok ? "info" : "error"](
        {
          event: "daily_job_finished",
          ok: result.ok,
          runId: result.load?.runId,
          mode: parsed.data.mode,
          failedStreams,
          dataformState: result.dataform?.state,
          failedActions: result.dataform && "failedActions" in result.dataform ? result.dataform.failedActions.length : 0,
          durationMs: result.durationMs,
          error: result.error,
        },
        result.ok ? "daily job succeeded" : `daily job failed${result.error ? `: ${result.error}` : ""}`,
      );
      // 500 lets Cloud Scheduler retry with backoff; raw is append-only and staging dedupes, so retries converge.
      send(res, result.ok ? 200 : 500, result);
    } finally {
      active = undefined;
      finish();
    }
  }

  const server = http.createServer((req, res) => {
    const log = deps.log.child(traceFields(req.headers, deps.project));
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/health") {
      return send(res, shuttingDown ? 503 : 200, {
        status: shuttingDown ? "shutting_down" : "ok",
        environment: deps.environment,
        revision: process.env.K_REVISION,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        running: active ? { requestId: active.id, startedAt: active.startedAt } : null,
        dataform: deps.triggerDataform ? "configured" : "not configured",
        lock: deps.lock.describe(),
      });
    }
    if (path === "/run-daily-job") {
      if (req.method !== "POST") return send(res, 405, { error: "use POST /run-daily-job" });
      runDailyJob(req, res, log).catch((e: Error) => {
        log.error({ event: "request_failed" }, e.message);
        if (!res.headersSent) send(res, 500, { error: e.message });
      });
      return;
    }
    send(res, 404, { error: `no route ${req.method} ${path}; routes: GET /health, POST /run-daily-job` });
  });

  /**
   * SIGTERM: refuse new runs, wait up to graceMs for the active one, then abort its Dataform wait so the lock is
   * released (the run's finally) rather than left to expire.
   */
  async function shutdown(graceMs: number): Promise<void> {
    shuttingDown = true;
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeIdleConnections();
    if (active) {
      const current = active;
      const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
      if ((await Promise.race([current.done, timer])) === "timeout") {
        deps.log.warn({ event: "shutdown_aborting_run", requestId: current.id }, "grace period over; aborting the active run");
        current.abort.abort();
        await Promise.race([current.done, new Promise((r) => setTimeout(r, 2000).unref())]);
      }
    }
    server.closeAllConnections();
    await closed;
  }

  return { server, shutdown, isRunning: () => active !== undefined };
}

/** Cloud Run sends SIGTERM and waits ~10 s: drain, then exit. */
export function exitOnSigterm(service: { shutdown(graceMs: number): Promise<void> }, graceMs: number, log: Logger): void {
  process.once("SIGTERM", () => {
    log.info({ event: "sigterm" }, "SIGTERM: draining");
    service.shutdown(graceMs).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
