// The Cloud Run job entry (service/job.ts) in its own process, as Cloud Scheduler starts it: the real loaders against
// the simulator, a file lake, DuckDB, and the GCS lock and run records on the loopback fake. A Scheduler retry of
// the same day, or a second execution while the first still runs, does nothing and exits 0.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator } from "../../simulator/index.ts";
import { startFakeGcs } from "./fake-gcs.ts";
import { serviceProcessEnv } from "./process-env.ts";
import type { RunResponse } from "../../service/server.ts";

let sim: Simulator;
let gcs: Awaited<ReturnType<typeof startFakeGcs>>;
const dir = mkdtempSync(join(tmpdir(), "service-job-"));
const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  sim = await startSimulator({ users: 5, historyDays: 30, rateLimits: false });
  gcs = await startFakeGcs();
});
afterAll(async () => {
  await sim.close();
  await gcs.close();
  rmSync(dir, { recursive: true, force: true });
});

async function execute(env: Record<string, string> = {}): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("../../service/job.ts", import.meta.url))], {
    env: {
      ...serviceProcessEnv(sim, dir, gcs.apiEndpoint),
      RUN_MODE: "development",
      LOCK_URI: "gs://state/locks/daily-job.lock",
      RUN_RECORDS_URI: "gs://state/",
      CLOUD_RUN_EXECUTION: "ai-usage-dev-daily-abc12",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  const lines = out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, lines };
}

describe("service/job.ts: the scheduled run as a Cloud Run job execution", () => {
  it("runs the day once, records every stream, marks the day done and frees the lock", async () => {
    const { code, lines } = await execute();
    const finished = lines.find((l) => l.event === "daily_job_finished");
    expect(code, JSON.stringify(lines.filter((l) => l.severity === "ERROR"))).toBe(0);
    expect(finished).toMatchObject({ ok: true, execution: "ai-usage-dev-daily-abc12", record: expect.stringMatching(/^gs:\/\/state\/runs\/.+\.json$/) });
    const runId = String(finished!.requestId);
    const record = JSON.parse(gcs.objects.get(`state/runs/${runId}.json`)!.body) as RunResponse;
    expect(record.ok).toBe(true);
    expect(record.load!.streams.length).toBeGreaterThanOrEqual(10);
    expect(record.load!.streams.every((s) => s.status === "succeeded")).toBe(true);
    expect(JSON.parse(gcs.objects.get(`state/daily/${yesterday}.json`)!.body)).toMatchObject({ day: yesterday, runId });
    expect(gcs.objects.has("state/locks/daily-job.lock")).toBe(false);
    expect(lines.filter((l) => l.event === "stream_finished").length).toBe(record.load!.streams.length);
  }, 60_000);

  it("a Scheduler retry of the same day does nothing and exits 0", async () => {
    const { code, lines } = await execute();
    expect(code).toBe(0);
    expect(lines.find((l) => l.event === "scheduled_run_already_done")).toMatchObject({ day: yesterday });
    expect(lines.some((l) => l.event === "daily_job_started")).toBe(false);
  }, 30_000);

  it("a second execution while the day's run holds the lock exits 0; a manual run holding it fails the scheduled one", async () => {
    gcs.objects.delete(`state/daily/${yesterday}.json`);
    const far = new Date(Date.now() + 3_600_000).toISOString();
    const hold = (owner: string) =>
      gcs.objects.set("state/locks/daily-job.lock", { generation: 1, updated: new Date().toISOString(), body: "{}", metadata: { owner, acquiredAt: new Date().toISOString(), expiresAt: far } });
    hold(`scheduled:${yesterday}:20260101T000000Z-aaaaaa`);
    const duplicate = await execute();
    expect(duplicate.code).toBe(0);
    expect(duplicate.lines.find((l) => l.event === "scheduled_run_duplicate")).toBeDefined();
    hold("20260101T000000Z-bbbbbb");
    const blocked = await execute();
    expect(blocked.code).toBe(1);
    expect(blocked.lines.find((l) => l.event === "run_rejected_locked")).toBeDefined();
    gcs.objects.delete("state/locks/daily-job.lock");
  }, 30_000);

  it("RUN_REQUEST makes a manual execution (any range, no day marker); a bad one stops with exit 2", async () => {
    const manual = await execute({ RUN_REQUEST: JSON.stringify({ mode: "dry_run", days: 1 }) });
    expect(manual.code).toBe(0);
    expect(manual.lines.find((l) => l.event === "daily_job_finished")).toMatchObject({ ok: true, mode: "dry_run" });
    const bad = await execute({ RUN_REQUEST: '{"mode":"fast"}' });
    expect(bad.code).toBe(2);
    expect(bad.lines.find((l) => l.event === "config_error")?.message).toMatch(/^RUN_REQUEST: mode: /);
  }, 30_000);
});
