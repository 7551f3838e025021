// The Cloud Run HTTP service: GET /health and POST /run-daily-job (load, then the Dataform workflow).
import http from "node:http";
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { RunRequestSchema, describeIssues } from "./run-request.ts";
import { runDaily, type DailyRunDeps } from "./daily-run.ts";
import { traceFields } from "./trace.ts";

export type { RunResponse } from "./daily-run.ts";

export interface ServiceDeps<C> extends DailyRunDeps<C> {
  environment: string;
  project?: string;
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
      const outcome = await runDaily(deps, { id, request: parsed.data, log: runLog, signal: abort.signal });
      if (outcome.kind === "busy") return send(res, 409, { error: outcome.error.message, holder: outcome.error.holder });
      if (outcome.kind === "skipped") return send(res, 200, { requestId: id, ok: true, skipped: outcome.reason });
      // 500 tells the caller the run failed; raw is append-only and staging dedupes, so a re-run converges.
      send(res, outcome.result.ok ? 200 : 500, outcome.result);
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
