// The real entry (service/main.ts) in its own process, with the real loaders against the built-in vendor simulator,
// a file lake, DuckDB, and the GCS lock on the loopback fake (STORAGE_EMULATOR_HOST). Dataform is not configured
// here (its client needs Google credentials); test/service/dataform.test.ts and server.test.ts cover that step.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
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
let child: ChildProcess;
let output = "";
let base = "";
const dir = mkdtempSync(join(tmpdir(), "service-e2e-"));

beforeAll(async () => {
  sim = await startSimulator({ users: 5, rateLimits: false });
  gcs = await startFakeGcs();
  const port = 20000 + Math.floor(Math.random() * 20000);
  child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("../../service/main.ts", import.meta.url))], {
    env: { ...serviceProcessEnv(sim, dir, gcs.apiEndpoint), PORT: String(port), LOCK_URI: "gs://lake/locks/daily-job.lock" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300 && !output.includes('"event":"listening"'); i++) await new Promise((r) => setTimeout(r, 100));
  if (!output.includes('"event":"listening"')) throw new Error(`service did not start:\n${output}`);
});

afterAll(async () => {
  if (child.exitCode === null) {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
  await sim.close();
  await gcs.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("service/main.ts end to end", () => {
  it("loads two days through POST /run-daily-job, holds the GCS lock meanwhile, and never logs a key", async () => {
    const pending = fetch(`${base}/run-daily-job`, { method: "POST", body: JSON.stringify({ mode: "development", days: 2 }) });
    await expect.poll(() => gcs.objects.has("lake/locks/daily-job.lock")).toBe(true);
    const res = await pending;
    const body = (await res.json()) as RunResponse;
    expect(res.status, JSON.stringify(body).slice(0, 500)).toBe(200);
    expect(body.ok).toBe(true);
    expect(body.dataform).toEqual({ state: "SKIPPED", reason: "no Dataform repository configured" });
    const streams = body.load!.streams;
    expect(streams.length).toBeGreaterThanOrEqual(10);
    expect(streams.filter((s) => s.status !== "succeeded")).toEqual([]);
    expect(streams.reduce((n, s) => n + s.records, 0)).toBeGreaterThan(0);
    expect(gcs.objects.has("lake/locks/daily-job.lock"), output.split("\n").filter((l) => l.includes("lock")).join("\n")).toBe(false);
    expect(output).toContain('"event":"daily_job_finished"');
    expect(output).not.toContain(sim.credentials.cursorApiKey);
    expect(output).not.toContain(sim.credentials.anthropicAdminKey);
  }, 60_000);

  it("stops cleanly on SIGTERM", async () => {
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
  });
});
