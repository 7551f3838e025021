import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Storage } from "@google-cloud/storage";
import { OAuth2Client } from "google-auth-library";
import { createLogger } from "../../loaders/core/log.ts";
import { createServer, newRunId, type RunResponse } from "../../service/server.ts";
import { gcsLock } from "../../service/lock.ts";
import { triggerDataform } from "../../service/dataform.ts";
import type { LoadOptions, LoadSummary } from "../../service/types.ts";
import { costVariance, type CostVariance } from "../../service/cost-check.ts";
import { startFakeGcs } from "./fake-gcs.ts";
import { startFakeDataform } from "./fake-dataform.ts";
import { memoryRunRecords } from "../../service/run-records.ts";

let gcs: Awaited<ReturnType<typeof startFakeGcs>>;
let dataform: Awaited<ReturnType<typeof startFakeDataform>>;
beforeAll(async () => {
  gcs = await startFakeGcs();
  dataform = await startFakeDataform({
    states: ["RUNNING", "FAILED"],
    actions: [
      { target: { database: "p1", schema: "ai_usage", name: "fct_cost_daily" }, state: "SUCCEEDED" },
      { target: { database: "p1", schema: "ai_usage_assertions", name: "assert_fresh" }, state: "FAILED", failureReason: "3 rows" },
    ],
    assertions: ["ai_usage_assertions.assert_fresh"],
  });
});
afterAll(async () => {
  await gcs.close();
  await dataform.close();
});

const summary = (ok = true): LoadSummary => ({
  runId: "20261122T060000Z-abc123",
  ok,
  startedAt: "2026-11-22T14:00:00Z",
  finishedAt: "2026-11-22T14:01:00Z",
  streams: [{ source: "cursor", stream: "members", status: ok ? "succeeded" : "failed", records: 3, quarantined: 0, requests: 1, bytes: 100, ...(ok ? {} : { error: "HTTP 500" }) }],
});

async function startService(opts: {
  runLoad: (c: unknown, o: LoadOptions) => Promise<LoadSummary>;
  withDataform?: boolean;
  lockName: string;
  dataformRoot?: string;
  costCheck?: () => Promise<CostVariance>;
}) {
  const lines: Record<string, unknown>[] = [];
  const records = memoryRunRecords();
  const log = createLogger("debug", { write: (l: string) => void lines.push(JSON.parse(l)) });
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: "t", expiry_date: Date.now() + 3_600_000 });
  const service = createServer({
    log,
    environment: "staging",
    project: "p1",
    runLoad: opts.runLoad,
    config: async () => ({ secret: "sk-never-logged" }),
    costCheck: opts.costCheck,
    records,
    lock: gcsLock(new Storage({ apiEndpoint: gcs.apiEndpoint, projectId: "p1" }), `gs://lake/locks/${opts.lockName}`, 3_600_000),
    triggerDataform: opts.withDataform
      ? (signal, { fullRefresh }) =>
          triggerDataform({ project: "p1", region: "us-central1", repository: "ai-usage", releaseConfig: "staging" }, { rootUrl: opts.dataformRoot ?? dataform.rootUrl, auth, pollMs: 5, signal, fullRefresh })
      : undefined,
  });
  service.server.listen(0, "127.0.0.1");
  await once(service.server, "listening");
  const base = `http://127.0.0.1:${(service.server.address() as AddressInfo).port}`;
  return { base, lines, records, service, close: () => service.shutdown(0) };
}

const post = (base: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/run-daily-job`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

describe("service over real HTTP", () => {
  it("answers /health cheaply with configuration and state", async () => {
    let loads = 0;
    const s = await startService({ runLoad: async () => (loads++, summary()), lockName: "h.lock" });
    const res = await fetch(`${s.base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", environment: "staging", running: null, dataform: "not configured", lock: "gs://lake/locks/h.lock" });
    expect(loads).toBe(0);
    expect((await fetch(`${s.base}/nope`)).status).toBe(404);
    expect((await fetch(`${s.base}/run-daily-job`)).status).toBe(405);
    await s.close();
  });

  it("rejects bad bodies with 400 and a message naming the problem", async () => {
    let loads = 0;
    const s = await startService({ runLoad: async () => (loads++, summary()), lockName: "v.lock" });
    const cases: [unknown, RegExp][] = [
      ["{not json", /body must be a JSON object/],
      [{ mode: "fast" }, /mode: mode must be dry_run, development or production/],
      [{ mode: "production", days: 0 }, /days: .*>=1/i],
      [{ mode: "production", days: 3, start: "2026-11-01" }, /days and start cannot be combined: days N loads the N days ending yesterday, start \(with an optional end\) a range; give one/],
      [{ mode: "production", start: "2026-11-05", end: "2026-11-01" }, /start 2026-11-05 is after end 2026-11-01/],
      [{ mode: "production", start: "2999-01-01" }, /start 2999-01-01 is after end .* \(end defaults to yesterday/],
      [{ mode: "production", start: "2026-02-30" }, /start 2026-02-30: expected a real date/],
      [{ mode: "production", start: "2026-11-01", end: "2999-01-01" }, /end 2999-01-01 is in the future/],
      [{ mode: "production", days: 1.5 }, /days: .*int/i],
      [{ mode: "production", extra: 1 }, /unrecognized key.*extra/i],
    ];
    for (const [body, message] of cases) {
      const res = await post(s.base, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(message);
    }
    expect(loads).toBe(0);
    await s.close();
  });

  it("runs load then Dataform, reports failed assertions, logs with trace correlation and no secrets", async () => {
    const seen: LoadOptions[] = [];
    const s = await startService({ runLoad: async (_c, o) => (seen.push(o), summary()), withDataform: true, lockName: "run.lock" });
    const res = await post(s.base, { mode: "production", start: "2026-11-01", end: "2026-11-03" }, { "X-Cloud-Trace-Context": "0123456789abcdef0123456789abcdef/123;o=1" });
    const body = (await res.json()) as RunResponse;
    expect(res.status).toBe(500); // an assertion failed: Scheduler sees a failure
    expect(seen).toEqual([{ mode: "production", start: "2026-11-01", end: "2026-11-03", lookback: 0 }]);
    expect(body.load?.runId).toBe("20261122T060000Z-abc123");
    expect(body.dataform).toMatchObject({ state: "FAILED", failedActions: [{ target: "p1.ai_usage_assertions.assert_fresh", kind: "assertion", failureReason: "3 rows" }] });
    const finished = s.lines.find((l) => l.event === "daily_job_finished")!;
    expect(finished).toMatchObject({ severity: "ERROR", ok: false, dataformState: "FAILED", failedActions: 1, "logging.googleapis.com/trace": "projects/p1/traces/0123456789abcdef0123456789abcdef", "logging.googleapis.com/spanId": "000000000000007b" });
    // Every action's outcome is logged, failures as errors, and kept in the run record with every stream.
    expect(s.lines.filter((l) => l.event === "dataform_action_finished").map((l) => [l.target, l.state, l.severity])).toEqual([
      ["p1.ai_usage.fct_cost_daily", "SUCCEEDED", "INFO"],
      ["p1.ai_usage_assertions.assert_fresh", "FAILED", "ERROR"],
    ]);
    expect(s.lines.find((l) => l.event === "dataform_action_finished" && l.state === "FAILED")).toMatchObject({ kind: "assertion", failureReason: "3 rows" });
    const record = s.records.records.get(body.requestId) as RunResponse;
    expect(record.load!.streams.map((x) => `${x.source}.${x.stream}:${x.status}`)).toEqual(["cursor.members:succeeded"]);
    expect(record.dataform).toMatchObject({ actions: [{ state: "SUCCEEDED" }, { state: "FAILED", kind: "assertion" }] });
    expect(body.record).toBe(`memory:runs/${body.requestId}`);
    expect(s.lines.find((l) => l.event === "daily_job_finished")?.record).toBe(body.record);
    expect(JSON.stringify(s.lines)).not.toContain("sk-never-logged");
    expect(gcs.objects.has("lake/locks/run.lock")).toBe(false); // released
    await s.close();
  });

  it("passes fullRefresh to the Dataform invocation (repairs), default false", async () => {
    const ok = await startFakeDataform({ states: ["SUCCEEDED"], actions: [] });
    const s = await startService({ runLoad: async () => summary(), withDataform: true, dataformRoot: ok.rootUrl, lockName: "fr.lock" });
    expect((await post(s.base, { mode: "production", fullRefresh: true })).status).toBe(200);
    expect((await post(s.base, { mode: "production" })).status).toBe(200);
    expect((await post(s.base, { mode: "production", fullRefresh: "yes" })).status).toBe(400);
    const invoked = ok.calls.filter((c) => c.method === "POST" && c.path.endsWith("/workflowInvocations")).map((c) => (c.body as { invocationConfig: { fullyRefreshIncrementalTablesEnabled: boolean } }).invocationConfig.fullyRefreshIncrementalTablesEnabled);
    expect(invoked).toEqual([true, false]);
    await s.close();
    await ok.close();
  });

  it("the scheduled run (no range) re-loads the late-data lookback; an explicit one may override it", async () => {
    const seen: LoadOptions[] = [];
    const s = await startService({ runLoad: async (_c, o) => (seen.push(o), summary()), lockName: "lb.lock" });
    await post(s.base, { mode: "production" });
    await post(s.base, { mode: "production", days: 2, lookback: 1 });
    expect(seen).toEqual([
      { mode: "production", lookback: 3 },
      { mode: "production", days: 2, lookback: 1 },
    ]);
    await s.close();
  });

  it("gives 409 to a concurrent run, in this instance and across instances sharing the GCS lock", async () => {
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    const a = await startService({ runLoad: async () => (await gate, summary()), lockName: "shared.lock" });
    const b = await startService({ runLoad: async () => summary(), lockName: "shared.lock" });
    const first = post(a.base, { mode: "development", days: 2 });
    await expect.poll(() => gcs.objects.has("lake/locks/shared.lock")).toBe(true);
    const sameInstance = await post(a.base, { mode: "development" });
    expect(sameInstance.status).toBe(409);
    expect(((await sameInstance.json()) as { error: string }).error).toMatch(/already in progress on this instance/);
    const otherInstance = await post(b.base, { mode: "development" });
    expect(otherInstance.status).toBe(409);
    expect(await otherInstance.json()).toMatchObject({ holder: { owner: expect.stringMatching(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/) } });
    expect(((await (await fetch(`${a.base}/health`)).json()) as { running: unknown }).running).not.toBeNull();
    finish();
    expect((await first).status).toBe(200);
    expect((await post(b.base, { mode: "dry_run" })).status).toBe(200); // free again
    await a.close();
    await b.close();
  });

  it("returns 500 with the failed stream when the load fails", async () => {
    const s = await startService({ runLoad: async () => summary(false), lockName: "f.lock" });
    const res = await post(s.base, { mode: "dry_run" });
    expect(res.status).toBe(500);
    const body = (await res.json()) as RunResponse;
    expect(body).toMatchObject({ ok: false, dataform: { state: "SKIPPED" } });
    expect(s.lines.find((l) => l.event === "stream_finished")).toMatchObject({ severity: "ERROR", source: "cursor", status: "failed", error: "HTTP 500" });
    await s.close();
  });

  it("after a successful Dataform run, logs cost_variance_exceeded for the alert; a failing check does not fail the run", async () => {
    const ok = await startFakeDataform({ states: ["SUCCEEDED"], actions: [] });
    const spike = costVariance([{ day: "2026-11-13", usd: 700 }, { day: "2026-11-20", usd: 150 }], "2026-11-20");
    const s = await startService({ runLoad: async () => summary(), withDataform: true, dataformRoot: ok.rootUrl, lockName: "c.lock", costCheck: async () => spike });
    const res = await post(s.base, { mode: "production" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as RunResponse).cost).toMatchObject({ costUsd: 150, trailingAverageUsd: 100, variance: 0.5 });
    expect(s.lines.find((l) => l.event === "cost_variance_exceeded")).toMatchObject({ severity: "WARNING", day: "2026-11-20", variance: 0.5 });
    await s.close();

    const broken = await startService({ runLoad: async () => summary(), withDataform: true, dataformRoot: ok.rootUrl, lockName: "c2.lock", costCheck: async () => Promise.reject(new Error("Not found: Table fct_cost_daily")) });
    expect((await post(broken.base, { mode: "production" })).status).toBe(200);
    expect(broken.lines.find((l) => l.event === "cost_check_failed")?.message).toMatch(/fct_cost_daily/);
    await broken.close();
    await ok.close();
  });

  it("makes sortable run ids", () => {
    expect(newRunId(new Date("2026-11-21T14:00:00.123Z"))).toMatch(/^20261121T140000Z-[0-9a-f]{6}$/);
  });
});

describe("SIGTERM graceful stop (real process)", () => {
  const fixture = fileURLToPath(new URL("./fixtures/sigterm-server.ts", import.meta.url));

  async function spawnService(env: Record<string, string>) {
    const child = spawn(process.execPath, ["--import", "tsx", fixture], { env: { ...process.env, GCS_ENDPOINT: gcs.apiEndpoint, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await expect.poll(() => out.match(/"port":(\d+)/)?.[1], { timeout: 20_000 }).toBeTruthy();
    const port = out.match(/"port":(\d+)/)![1];
    const exited = once(child, "exit") as Promise<[number | null, string | null]>;
    return { child, base: `http://127.0.0.1:${port}`, exited, output: () => out };
  }

  it("finishes the run in progress, refuses new work, exits 0 and frees the lock", async () => {
    const p = await spawnService({ LOAD_MS: "600", GRACE_MS: "5000" });
    const running = post(p.base, { mode: "development" });
    await expect.poll(() => gcs.objects.has("lake/locks/daily.lock")).toBe(true);
    p.child.kill("SIGTERM");
    await expect.poll(() => p.output().includes('"event":"sigterm"')).toBe(true);
    const late = await fetch(`${p.base}/health`).then((r) => r.status, (e: Error) => e.message);
    expect([503, "fetch failed"]).toContain(late); // listener closed (or draining): no new work
    const res = await running;
    expect(res.status).toBe(200);
    const [code] = await p.exited;
    expect(code).toBe(0);
    expect(gcs.objects.has("lake/locks/daily.lock")).toBe(false);
    expect(p.output()).toContain('"event":"sigterm"');
  });

  it("aborts a run that outlives the grace period and still frees the lock", async () => {
    const p = await spawnService({ LOAD_MS: "never", GRACE_MS: "200" });
    void post(p.base, { mode: "development" }).catch(() => undefined);
    await expect.poll(() => gcs.objects.has("lake/locks/daily.lock")).toBe(true);
    p.child.kill("SIGTERM");
    const [code] = await p.exited;
    expect(code).toBe(0);
    expect(gcs.objects.has("lake/locks/daily.lock")).toBe(false);
    expect(p.output()).toContain('"event":"shutdown_aborting_run"');
  });
});
