// Cloud Run job entry: the scheduled daily run. Cloud Scheduler starts an execution (run.jobs.run) and is answered
// at once, so a run of any length up to the task timeout is never cut off by Scheduler's 30-minute HTTP deadline,
// and a Scheduler retry cannot run the day twice: a day whose scheduled run succeeded is marked in the run records,
// and an execution that finds the day done, or finds the same day's run holding the lock, exits 0 without work.
// RUN_REQUEST (a POST /run-daily-job body, as JSON) makes a manual execution: a backfill or repair of any length,
// e.g. gcloud run jobs execute <job> --update-env-vars RUN_REQUEST='{"mode":"production","start":"2026-01-01"}'.
// Exit code: 0 when the run succeeded or had nothing to do, 1 when it failed, 2 on bad configuration.
import { createLogger } from "../loaders/core/log.ts";
import { resolveRange } from "../loaders/index.ts";
import { runDaily } from "./daily-run.ts";
import { dailyRunDeps, startupConfig } from "./deps.ts";
import { describeIssues, loadOptionsOf, RunRequestSchema, type RunRequest } from "./run-request.ts";
import { newRunId } from "./server.ts";

const log = createLogger();
const { s, config } = startupConfig(log);

function request(): RunRequest {
  if (!s.RUN_REQUEST) return { mode: s.RUN_MODE };
  let json: unknown;
  try {
    json = JSON.parse(s.RUN_REQUEST);
  } catch (e) {
    log.fatal({ event: "config_error" }, `RUN_REQUEST: must be a JSON run request: ${(e as Error).message}`);
    process.exit(2);
  }
  const parsed = RunRequestSchema.safeParse(json);
  if (!parsed.success) {
    log.fatal({ event: "config_error" }, `RUN_REQUEST: ${describeIssues(parsed.error)}`);
    process.exit(2);
  }
  return parsed.data;
}

const runRequest = request();
const scheduled = !s.RUN_REQUEST;
const day = resolveRange(loadOptionsOf(runRequest)).end; // the day a scheduled run loads: yesterday, UTC
const id = newRunId();
const execution = process.env.CLOUD_RUN_EXECUTION;
const runLog = log.child({ requestId: id, ...(execution ? { execution } : {}) });
const deps = dailyRunDeps(s, config, runLog);
const abort = new AbortController();
// Cloud Run sends SIGTERM at the task timeout or on cancel: stop waiting, cancel the Dataform invocation, record.
process.once("SIGTERM", () => {
  runLog.warn({ event: "sigterm" }, "SIGTERM: stopping the run");
  abort.abort();
});

/** Why a scheduled run has nothing to do: its day already succeeded. */
async function alreadyDone(): Promise<string | undefined> {
  const done = scheduled ? await deps.records?.completed(day) : undefined;
  return done && `the scheduled run of ${day} already succeeded (${done}); nothing to do`;
}

async function main(): Promise<number> {
  // Checked before taking the lock (a cheap exit for a Scheduler retry) and again once it is held.
  const before = await alreadyDone();
  const owner = scheduled ? `scheduled:${day}:${id}` : id;
  const outcome = before
    ? ({ kind: "skipped", reason: before } as const)
    : await runDaily(deps, { id, owner, request: runRequest, log: runLog, signal: abort.signal, skip: alreadyDone });
  if (outcome.kind === "skipped") {
    runLog.info({ event: "scheduled_run_already_done", day }, outcome.reason);
    return 0;
  }
  if (outcome.kind === "busy") {
    const duplicate = scheduled && outcome.error.holder?.owner.startsWith(`scheduled:${day}:`);
    if (duplicate) runLog.info({ event: "scheduled_run_duplicate", day, holder: outcome.error.holder }, `the scheduled run of ${day} is already running; nothing to do`);
    return duplicate ? 0 : 1;
  }
  if (scheduled && outcome.result.ok) await deps.records?.markCompleted(day, id);
  return outcome.result.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    runLog.error({ event: "job_failed" }, e.message);
    process.exit(1);
  },
);
