// npm run bench [-- --quick] [--users N] [--days N] [--scale-users N --scale-days N] [--only 1,3] [--out path.json]
// Runs the benchmark scenarios against the simulated organization, prints figure / target / met, writes JSON.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { apiScenario } from "./api.ts";
import { ingestScenario, memoryScenario } from "./ingest.ts";
import { formatTable, met, type Figure } from "./metrics.ts";
import { reportError } from "../cli/command.ts";
import { parseOptions } from "./options.ts";
import { scaleScenario } from "./scale.ts";
import { modelsScenario, warehouseScenario } from "./warehouse.ts";

function machine() {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

async function main() {
  const o = parseOptions(process.argv.slice(2));
  const workDir = mkdtempSync(path.join(os.tmpdir(), "aiua-bench-"));
  const started = performance.now();
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const before = machine();
  const step = async <T extends { figures: Figure[] }>(n: number, label: string, work: () => Promise<T>) => {
    if (!o.only.has(n)) return;
    const t0 = performance.now();
    process.stderr.write(`scenario ${n}: ${label} ...\n`);
    const result = await work();
    figures.push(...result.figures);
    details[label] = result;
    process.stderr.write(`scenario ${n}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  };
  try {
    await step(1, "ingest", () => ingestScenario({ seed: o.seed, users: o.users, days: o.days, endDate: o.endDate, workDir, repeat: o.repeat }));
    await step(2, "memory", () => memoryScenario({ seed: o.seed, users: o.users, sizes: o.memoryDays, endDate: o.endDate, workDir, limitMb: 400 }));
    await step(3, "api", () => apiScenario({ seed: o.seed, users: o.users, days: o.days, endDate: o.endDate, timeScale: o.timeScale, workDir }));
    await step(4, "warehouse", () =>
      warehouseScenario({ seed: o.seed, users: o.warehouseUsers, historyDays: o.historyDays, lookback: o.lookback, endDate: o.endDate, workDir }),
    );
    await step(5, "models", () => modelsScenario({ workDir, endDate: o.endDate }));
    await step(6, "scale", () =>
      scaleScenario({ seed: o.seed, users: o.scaleUsers, historyDays: o.scaleDays, lookback: o.lookback, endDate: o.endDate, workDir }),
    );
  } finally {
    if (!o.keep) rmSync(workDir, { recursive: true, force: true });
  }
  const totalSeconds = (performance.now() - started) / 1000;
  const result = {
    finishedAt: new Date().toISOString(),
    totalSeconds,
    options: { ...o, only: [...o.only] },
    machine: { ...machine(), loadAverageAtStart: before.loadAverage },
    figures: figures.map((f) => ({ ...f, met: met(f) })),
    details,
  };
  mkdirSync(path.dirname(o.out), { recursive: true });
  writeFileSync(o.out, `${JSON.stringify(result, null, 2)}\n`);
  const missed = figures.filter((f) => met(f) === false);
  console.log(formatTable(figures));
  console.log(
    `\n${figures.filter((f) => f.target).length - missed.length} of ${figures.filter((f) => f.target).length} targets met; ` +
      `${totalSeconds.toFixed(0)} s on ${result.machine.nproc} cores, load average ${before.loadAverage.join(" ")} at start` +
      ` (other processes share this machine). JSON: ${path.relative(process.cwd(), o.out) || o.out}`,
  );
}

main().catch((e: unknown) => process.exit(reportError(e)));
