// The command line: `start` (the README's front door) and `load` (one load run, as the scheduler does it).
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  ConfigError,
  createLogger,
  emptyDaysNote,
  hasNoSources,
  loadConfig,
  OptionsError,
  runLoad,
  type Config,
  type LoadOptions,
  type Logger,
  type Mode,
  type RunSummary,
  redact,
} from "../loaders/index.ts";
import { ProgressDisplay } from "./progress.ts";
import { simulatedSources } from "./simulated.ts";

const USAGE = `Usage:
  npm start                      load the last 30 days and build every model (simulated organization without keys)
  npm run load -- [options]      one load run
Options for load:
  --days N          days ending yesterday (UTC), default 1
  --start YYYY-MM-DD --end YYYY-MM-DD   a backfill range (end inclusive, default yesterday)
  --lookback N      also re-fetch N days before the range for late data, default 3
  --sources a,b     cursor, anthropic, mapping
  --streams a,b     e.g. usage_events or cursor.usage_events
  --mode M          dry_run (fetch and validate, write nothing) | development | production, default development
  --simulated       use the built-in simulated organization even if keys are set
`;

/**
 * Sources from the simulator: same code path, real HTTP on loopback, vendor limits compressed in time. The real clock
 * and the default history: every load, of any range, sees the same company.
 */
async function simulatedConfig(config: Config) {
  const { startSimulator } = await import("../simulator/index.ts");
  const timeScale = 30;
  const sim = await startSimulator({ seed: 42, users: 40, rateLimits: { timeScale } });
  return { config: { ...config, ...simulatedSources(sim, timeScale) }, close: () => sim.close() };
}

function setupOutput(config: Config): { log: Logger; progress?: ProgressDisplay; logFile?: string } {
  if (!process.stderr.isTTY) return { log: createLogger(config.logLevel) };
  // On a terminal the live display owns the screen; the structured log goes to a file.
  const logFile = path.resolve(".local/last-run.log");
  mkdirSync(path.dirname(logFile), { recursive: true });
  return { log: createLogger(config.logLevel, createWriteStream(logFile)), progress: new ProgressDisplay(), logFile };
}

function printSummary(summary: RunSummary, out: (line: string) => void) {
  out(`\nLoad run ${summary.runId} (${summary.mode}) ${summary.range.start} .. ${summary.range.end}: ${summary.ok ? "ok" : "FAILED"}`);
  for (const s of summary.streams) {
    const name = `${s.source}.${s.stream}`.padEnd(28);
    out(`  ${name} ${s.status.padEnd(9)} ${String(s.records).padStart(8)} records ${String(s.quarantined).padStart(5)} quarantined ${String(s.requests).padStart(5)} requests${s.error ? `  ${s.error}` : emptyDaysNote(s)}`);
  }
  if (summary.lakeUri) out(`Lake: ${summary.lakeUri}`);
}

async function load(config: Config, options: LoadOptions, simulated: boolean): Promise<RunSummary> {
  const sim = simulated ? await simulatedConfig(config) : undefined;
  const effective = sim?.config ?? config;
  const { log, progress, logFile } = setupOutput(effective);
  try {
    const summary = await runLoad(effective, options, { log, onProgress: progress?.handle });
    progress?.stop();
    const out = progress ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
    if (out) {
      printSummary(summary, out);
      if (config.warehouse.kind === "duckdb" && options.mode !== "dry_run") out(`Warehouse: ${path.resolve(config.warehouse.path)} (schema ${config.dataset}_raw)`);
      out(`Log: ${logFile}`);
    } else {
      const streams = summary.streams.map(({ windows: _w, ...s }) => s); // per-stream lines were logged already
      log.info({ summary: { ...summary, streams } }, `load run ${summary.runId} ${summary.ok ? "succeeded" : "failed"}`);
    }
    return summary;
  } finally {
    progress?.stop();
    await sim?.close();
  }
}

async function buildModels(config: Config): Promise<boolean> {
  if (config.warehouse.kind !== "duckdb") return true; // in GCP the Dataform workflow builds the models
  const runner = await import("../runner/index.ts");
  process.stderr.write(`\nBuilding the Dataform models on DuckDB (${config.dataset})\n`);
  const result = await runner.buildModels({
    warehousePath: config.warehouse.path,
    dataset: config.dataset,
    runTests: true,
    onProgress: runner.printProgress,
  });
  process.stderr.write(`${runner.formatSummary(result)} (compiled in ${(result.compileMs / 1000).toFixed(1)}s)\n`);
  return result.ok;
}

async function main(argv: string[]): Promise<number> {
  // A local .env fills what the shell did not set (the shell wins); it is never committed (.gitignore).
  if (existsSync(".env")) process.loadEnvFile(".env");
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      days: { type: "string" },
      start: { type: "string" },
      end: { type: "string" },
      lookback: { type: "string" },
      sources: { type: "string" },
      streams: { type: "string" },
      mode: { type: "string" },
      simulated: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help || !command || !["start", "load"].includes(command)) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfig(process.env);
  const list = (v?: string) => v?.split(",").map((s) => s.trim()).filter(Boolean);
  const num = (name: string, v?: string) => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new OptionsError(`--${name} ${v}: expected a whole number`);
    return Number(v);
  };

  if (command === "start") {
    const simulated = hasNoSources(config);
    if (simulated) {
      process.stderr.write(
        "No vendor keys configured (CURSOR_API_KEY, ANTHROPIC_ADMIN_API_KEY, GOOGLE_SHEETS_SPREADSHEET_ID or MAPPING_URI):\n" +
          "running on the built-in simulated organization (real HTTP on 127.0.0.1). See README, Configuration.\n",
      );
    }
    const summary = await load(config, { mode: "development", days: 30 }, simulated);
    if (!summary.ok) return 1;
    if (!(await buildModels(config))) return 1;
    if (config.warehouse.kind === "duckdb") {
      const { buildReport } = await import("../report/index.ts");
      const report = await buildReport({ warehousePath: config.warehouse.path, dataset: config.dataset, outFile: ".local/report/index.html" });
      process.stderr.write(`\nDashboard: ${report.outFile}\n`);
    }
    return 0;
  }

  const options: LoadOptions = {
    mode: (values.mode ?? "development") as Mode,
    days: num("days", values.days),
    start: values.start,
    end: values.end,
    lookback: num("lookback", values.lookback) ?? 3,
    sources: list(values.sources),
    streams: list(values.streams),
  };
  if (!values.simulated && hasNoSources(config)) {
    throw new OptionsError("no source configured: set CURSOR_API_KEY, ANTHROPIC_ADMIN_API_KEY or a mapping (see README), or pass --simulated");
  }
  const summary = await load(config, options, Boolean(values.simulated));
  return summary.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`Configuration error: ${error.message}\n`);
    else if (error instanceof OptionsError) process.stderr.write(`${error.message}\n\n${USAGE}`);
    else process.stderr.write(`${redact((error as Error).stack ?? String(error))}\n`);
    process.exit(2);
  },
);
