// One daily run: hold the environment's lock, load, run the Dataform workflow, check the day's cost, log every
// stream and every Dataform action, and keep a run record. Shared by the HTTP service (manual runs) and the Cloud
// Run job (the scheduled run).
import type { Logger } from "pino";
import type { CostVariance } from "./cost-check.ts";
import type { DataformResult } from "./dataform.ts";
import { LockBusyError, type RunLock } from "./lock.ts";
import { loadOptionsOf, type RunRequest } from "./run-request.ts";
import type { RunRecords } from "./run-records.ts";
import type { LoadSummary, RunLoadFn } from "./types.ts";

export interface DailyRunDeps<C> {
  runLoad: RunLoadFn<C>;
  /** Undefined when no Dataform repository is configured (local development): the step is then skipped. */
  triggerDataform?: (signal: AbortSignal, options: { fullRefresh: boolean }) => Promise<DataformResult>;
  lock: RunLock;
  /** The loaders' configuration for one run (secrets read here, once per run). */
  config: () => Promise<C>;
  log: Logger;
  /** Yesterday's cost against the trailing week; run after a successful Dataform run. Optional. */
  costCheck?: () => Promise<CostVariance>;
  /** Where run records go; none locally unless given. */
  records?: RunRecords;
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
  /** Where the run record was written. */
  record?: string;
}

export type RunOutcome = { kind: "finished"; result: RunResponse } | { kind: "busy"; error: LockBusyError } | { kind: "skipped"; reason: string };

async function execute<C>(deps: DailyRunDeps<C>, id: string, request: RunRequest, log: Logger, signal: AbortSignal): Promise<RunResponse> {
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
      const df = await deps.triggerDataform(signal, { fullRefresh: request.fullRefresh === true });
      result.dataform = df;
      for (const e of df.compilationErrors) log.error({ event: "dataform_compilation_error", ...e }, `Dataform compilation error: ${e.message}`);
      for (const a of df.actions) {
        log[a.state === "FAILED" ? "error" : "info"]({ event: "dataform_action_finished", ...a }, `Dataform ${a.kind} ${a.target}: ${a.state}${a.failureReason ? `: ${a.failureReason}` : ""}`);
      }
    }
    const dataformOk = result.dataform.state === "SKIPPED" || result.dataform.state === "SUCCEEDED";
    result.ok = load.ok && dataformOk;
    if (result.dataform.state === "SUCCEEDED" && deps.costCheck) result.cost = await checkCost(deps, log);
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
  }
  result.durationMs = Date.now() - t0;
  return result;
}

// A failing check never fails the run: it is a warning about spend, not about the data.
async function checkCost<C>(deps: DailyRunDeps<C>, log: Logger): Promise<CostVariance | undefined> {
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

/** Runs one daily job under the lock (`owner` names the holder); "busy" when another run holds it. */
export async function runDaily<C>(
  deps: DailyRunDeps<C>,
  run: {
    id: string;
    owner?: string;
    request: RunRequest;
    log: Logger;
    signal: AbortSignal;
    /** Checked once the lock is held: a reason to do nothing (the work was done meanwhile). */
    skip?: () => Promise<string | undefined>;
  },
): Promise<RunOutcome> {
  const { id, request, log, signal } = run;
  let handle;
  try {
    handle = await deps.lock.acquire(run.owner ?? id);
  } catch (e) {
    if (e instanceof LockBusyError) {
      log.warn({ event: "run_rejected_locked", holder: e.holder }, e.message);
      return { kind: "busy", error: e };
    }
    throw e;
  }
  // If shutdown aborts a run that cannot stop in time, free the lock now instead of after its TTL.
  const lockHandle = handle;
  signal.addEventListener("abort", () => void lockHandle.release().catch(() => undefined));
  const skip = await run.skip?.().catch(async (e: unknown) => {
    await lockHandle.release().catch(() => undefined);
    throw e;
  });
  if (skip) {
    await lockHandle.release();
    return { kind: "skipped", reason: skip };
  }
  log.info({ event: "daily_job_started", request, lock: deps.lock.describe() }, "daily job started");
  let result: RunResponse;
  try {
    result = await execute(deps, id, request, log, signal);
  } finally {
    await handle.release().catch((e: Error) => log.error({ event: "lock_release_failed" }, `lock release failed: ${e.message}`));
  }
  if (deps.records) {
    try {
      result.record = await deps.records.write(id, result);
    } catch (e) {
      log.error({ event: "run_record_failed" }, `writing the run record failed: ${(e as Error).message}`);
    }
  }
  const dataform = result.dataform && "actions" in result.dataform ? result.dataform : undefined;
  log[result.ok ? "info" : "error"](
    {
      event: "daily_job_finished",
      ok: result.ok,
      runId: result.load?.runId,
      mode: request.mode,
      failedStreams: result.load?.streams.filter((s) => s.status === "failed").length ?? 0,
      dataformState: result.dataform?.state,
      failedActions: dataform?.failedActions.length ?? 0,
      durationMs: result.durationMs,
      record: result.record,
      error: result.error,
    },
    result.ok ? "daily job succeeded" : `daily job failed${result.error ? `: ${result.error}` : ""}`,
  );
  return { kind: "finished", result };
}
