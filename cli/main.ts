// The command line: `start` (the README's front door), `load` (one load run, as the scheduler does it) and `verify`
// (the lake against its manifests and the raw tables).
import { createWriteStream, mkdirSync } from "node:fs";
import path from "node:path";
import {
  configFromEnvironment,
  createLogger,
  datasetNames,
  emptyDaysNote,
  hasNoSources,
  MAX_DAYS,
  MODES,
  runLoad,
  type Config,
  type LoadOptions,
  type Logger,
  type Mode,
  type RunSummary,
} from "../loaders/index.ts";
import { day, list, newCommand, onRun, Option, reportError, runCommand, UsageError, wholeNumber, withUsageOnError, type Command } from "./command.ts";
import { ProgressDisplay } from "./progress.ts";
import { SIMULATED_HISTORY_DAYS, SIMULATED_TIME_SCALE, SIMULATED_USERS } from "../simulator/server.ts";
import { spawnedSources, spawnSimulator } from "./simulated.ts";
import { verifyLake } from "./verify.ts";

/** The simulated organization's shape, from npm start's and npm run load's flags. */
interface SimulatedShape {
  users?: number;
  historyDays?: number;
}

/**
 * Sources from the simulator, in a process of its own: same code path, real HTTP on loopback, vendor limits
 * compressed in time. The real clock: every load, of any range, sees the same company (a day's data depends only on
 * the seed, the size and the date).
 */
async function simulatedConfig(config: Config, shape: SimulatedShape) {
  const sim = await spawnSimulator({
    seed: 42,
    users: shape.users ?? SIMULATED_USERS,
    historyDays: shape.historyDays ?? SIMULATED_HISTORY_DAYS,
    timeScale: SIMULATED_TIME_SCALE,
  });
  return { config: { ...config, ...spawnedSources(sim) }, close: () => sim.close() };
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
  const quarantined = summary.streams.reduce((n, s) => n + s.quarantined, 0);
  if (quarantined) out(`${quarantined} records quarantined: each with its reason in the raw_quarantine table and under quarantine/ in the lake`);
  if (summary.lakeUri) out(`Lake: ${summary.lakeUri}`);
}

async function load(config: Config, options: LoadOptions, simulated: SimulatedShape | undefined): Promise<RunSummary> {
  const sim = simulated ? await simulatedConfig(config, simulated) : undefined;
  const effective = sim?.config ?? config;
  const { log, progress, logFile } = setupOutput(effective);
  try {
    const summary = await runLoad(effective, options, { log, onProgress: progress?.handle });
    progress?.stop();
    const out = progress ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
    if (out) {
      printSummary(summary, out);
      if (config.warehouse.kind === "duckdb" && options.mode !== "dry_run") out(`Warehouse: ${path.resolve(config.warehouse.path)} (schema ${datasetNames(config.dataset).raw})`);
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
    memory: config.warehouse.memory,
    dataset: config.dataset,
    runTests: true,
    onProgress: runner.printProgress,
  });
  process.stderr.write(`${runner.formatSummary(result)} (compiled in ${(result.compileMs / 1000).toFixed(1)}s)\n`);
  return result.ok;
}

/** Flags that shape the simulated organization are refused when real sources are configured. */
function simulatedShape(flags: SimulatedShape, simulated: boolean): SimulatedShape | undefined {
  if (!simulated && (flags.users !== undefined || flags.historyDays !== undefined)) {
    throw new UsageError(
      "--users and --history-days shape the built-in simulated organization, but vendor keys or a mapping are configured (README, Configuration): leave the flags out, or add --simulated to npm run load",
    );
  }
  return simulated ? flags : undefined;
}

/** The start command: the README's front door, on the simulated organization when no source is configured. */
async function start(flags: SimulatedShape): Promise<number> {
  const config = configFromEnvironment();
  const simulated = simulatedShape(flags, hasNoSources(config));
  if (simulated) {
    process.stderr.write(
      "No vendor keys configured (CURSOR_API_KEY, ANTHROPIC_ADMIN_API_KEY, GOOGLE_SHEETS_SPREADSHEET_ID or MAPPING_URI):\n" +
        `running on the built-in simulated organization, ${simulated.users ?? SIMULATED_USERS} people (real HTTP on 127.0.0.1). See README, Configuration.\n`,
    );
  }
  // The simulated company's whole history when its length is given; else the last 30 days.
  const summary = await load(config, { mode: "development", days: simulated?.historyDays ?? 30 }, simulated);
  if (!summary.ok) return 1;
  if (!(await buildModels(config))) return 1;
  if (config.warehouse.kind === "duckdb") {
    const { buildReport } = await import("../report/index.ts");
    const report = await buildReport({ warehousePath: config.warehouse.path, dataset: config.dataset, outFile: ".local/report/index.html" });
    process.stderr.write(`\nDashboard: ${report.outFile}\n`);
  }
  return 0;
}

interface LoadFlags {
  days?: number;
  start?: string;
  end?: string;
  lookback: number;
  sources?: string[];
  streams?: string[];
  mode: Mode;
  simulated?: boolean;
  users?: number;
}

async function loadCommand(flags: LoadFlags): Promise<number> {
  if (flags.days !== undefined && flags.start !== undefined) {
    throw new UsageError("--days and --start cannot be combined: --days N loads the N days ending yesterday (or --end), --start a range from that day; give one");
  }
  const config = configFromEnvironment();
  const options: LoadOptions = { mode: flags.mode, days: flags.days, start: flags.start, end: flags.end, lookback: flags.lookback, sources: flags.sources, streams: flags.streams };
  if (!flags.simulated && hasNoSources(config)) {
    throw new UsageError("no source configured: set CURSOR_API_KEY, ANTHROPIC_ADMIN_API_KEY or a mapping (README, Configuration), or add --simulated for the built-in simulated organization");
  }
  const summary = await load(config, options, simulatedShape({ users: flags.users }, flags.simulated === true));
  return summary.ok ? 0 : 1;
}

const COMMANDS: Record<string, () => Command> = {
  start: () =>
    newCommand("npm start --", "Load the last 30 days, build every model and write the dashboard (the simulated organization when no key is set).")
      .addOption(new Option("--users <n>", `people in the simulated organization (default ${SIMULATED_USERS})`).argParser(wholeNumber(4, 5000)))
      .addOption(new Option("--history-days <n>", "days of history of the simulated organization, all loaded (default: the last 30 days loaded)").argParser(wholeNumber(1, MAX_DAYS))),
  load: () =>
    newCommand("npm run load --", "One load run, as the daily scheduler runs it: every configured stream into the lake and the raw tables.")
      .addOption(new Option("--days <n>", "days ending yesterday (UTC), default 1").argParser(wholeNumber(1, MAX_DAYS)))
      .addOption(new Option("--start <YYYY-MM-DD>", "first day of a backfill range").argParser(day))
      .addOption(new Option("--end <YYYY-MM-DD>", "last day, inclusive (default yesterday, UTC)").argParser(day))
      .addOption(new Option("--lookback <n>", "also re-fetch N days before the range, for late data").argParser(wholeNumber(0, MAX_DAYS)).default(3))
      .addOption(new Option("--sources <list>", "comma-separated: cursor, anthropic, mapping").argParser(list))
      .addOption(new Option("--streams <list>", "comma-separated, e.g. usage_events or cursor.usage_events").argParser(list))
      .addOption(new Option("--mode <mode>", "dry_run fetches and validates but writes nothing").choices(MODES).default("development"))
      .option("--simulated", "use the built-in simulated organization even if keys are set")
      .addOption(new Option("--users <n>", `people in the simulated organization (default ${SIMULATED_USERS}; with --simulated)`).argParser(wholeNumber(4, 5000))),
  verify: () =>
    newCommand("npm run verify --", "Check the lake against its manifests (size and SHA-256 of every object) and the raw tables: missing, corrupted and unloaded objects."),
};

const ACTIONS: Record<string, (flags: never) => Promise<number>> = { start, load: loadCommand, verify: () => verifyLake(configFromEnvironment()) };

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const build = name ? COMMANDS[name] : undefined;
  if (!build) {
    process.stderr.write(`error: ${name ? `unknown command ${name}` : "no command given"}; the commands are npm start, npm run load and npm run verify (each takes --help)\n`);
    return 2;
  }
  const result = { code: 0 };
  const program = withUsageOnError(onRun(build(), ACTIONS[name!]!, result));
  return runCommand(program, rest, result);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(reportError(error)),
);
