// npm run simulator -- [--seed N] [--users N] [--history-days N] [--end-date YYYY-MM-DD] [--port N] [--no-rate-limits] [--time-scale N] [--write-env .env]
// Prints the variables that point the loaders at it (KEY=value lines, ready for a .env) and runs until SIGINT/SIGTERM.
import { writeFileSync } from "node:fs";
import { day, newCommand, Option, onRun, positiveNumber, reportError, runCommand, wholeNumber, withUsageOnError } from "../cli/command.ts";
import { SIMULATED_HISTORY_DAYS, SIMULATED_TIME_SCALE, SIMULATED_USERS, startSimulator } from "./server.ts";

interface Flags {
  seed: number;
  users: number;
  historyDays: number;
  endDate?: string;
  port: number;
  rateLimits: boolean;
  timeScale: number;
  writeEnv?: string;
}

async function serve(flags: Flags): Promise<number> {
  const sim = await startSimulator({
    seed: flags.seed, users: flags.users, historyDays: flags.historyDays, endDate: flags.endDate,
    port: flags.port, rateLimits: flags.rateLimits, timeScale: flags.timeScale,
  });
  const o = sim.options;
  const host = new URL(sim.baseUrls.sheets);
  // A valid .env as printed: comments and KEY=value lines only.
  const env = [
    `# Simulated organization (seed ${o.seed}, ${o.users} users, ${o.historyDays} days of history, yesterday ${o.endDate}, ${flags.endDate ? `clock fixed at ${new Date(sim.now()).toISOString()}` : "real clock"}, rate limits ${o.rateLimits ? `on, time scale ${o.timeScale}` : "off"})`,
    `CURSOR_API_BASE_URL=${sim.baseUrls.cursor}`,
    `ANTHROPIC_API_BASE_URL=${sim.baseUrls.anthropic}`,
    `SHEETS_EMULATOR_HOST=${host.host}${host.pathname}`,
    `CURSOR_API_KEY=${sim.credentials.cursorApiKey}`,
    `ANTHROPIC_ADMIN_API_KEY=${sim.credentials.anthropicAdminKey}`,
    `GOOGLE_SHEETS_SPREADSHEET_ID=${sim.credentials.spreadsheetId}`,
    // the loaders pace themselves at the same compressed time (with the limits off too: no need to wait)
    `SIMULATOR_TIME_SCALE=${o.timeScale}`,
  ].join("\n");
  if (flags.writeEnv) writeFileSync(flags.writeEnv, `${env}\n`);
  console.log(env);
  console.log(flags.writeEnv ? `# Written to ${flags.writeEnv}: npm run load in that folder uses this simulator` : "# Put these lines in a .env (or use --write-env .env), then: npm run load -- --days 7");
  console.log(`# Ground truth: ${sim.url}/_sim/truth?start=&end=&asOf=  restate: POST ${sim.url}/_sim/restate  counters: ${sim.url}/_sim/served  (Ctrl-C to stop)`);
  await new Promise<void>((stop) => {
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await sim.close();
  return 0;
}

const result = { code: 0 };
const program = newCommand("npm run simulator --", "The simulated organization: Cursor, Anthropic and Google Sheets on 127.0.0.1 for a synthetic company.")
  .addOption(new Option("--seed <n>", "everything is a function of the seed").argParser(wholeNumber(0)).default(42))
  .addOption(new Option("--users <n>", "people in the company").argParser(wholeNumber(4, 5000)).default(SIMULATED_USERS))
  .addOption(new Option("--history-days <n>", "days before today the vendors still serve").argParser(wholeNumber(1, 3660)).default(SIMULATED_HISTORY_DAYS))
  .addOption(new Option("--end-date <YYYY-MM-DD>", "a fixed clock: this day is yesterday (default the real clock)").argParser(day))
  .addOption(new Option("--port <n>", "port on 127.0.0.1 (0: any free one)").argParser(wholeNumber(0, 65535)).default(8787))
  .option("--no-rate-limits", "turn the vendors' rate limits off")
  .addOption(new Option("--time-scale <n>", "vendor minutes pass N times faster (rate-limit windows of 60 s / N; 1: the vendors' real pace)").argParser(positiveNumber).default(SIMULATED_TIME_SCALE))
  .option("--write-env <file>", "also write the variables to this file (e.g. .env; replaces it)");
onRun(program, serve, result);
process.exitCode = await runCommand(withUsageOnError(program), process.argv.slice(2), result).catch(reportError);
