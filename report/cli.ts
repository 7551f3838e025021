// npm run report -- [--out .local/report/index.html] [--warehouse PATH] [--dataset NAME]
// The local dashboard from the warehouse that WAREHOUSE and ENVIRONMENT (or BIGQUERY_DATASET, .env) name, as every
// command reads them; --warehouse and --dataset override them for one run, checked the same way.
import { newCommand, onRun, reportError, runCommand, withUsageOnError } from "../cli/command.ts";
import { configFromEnvironment, duckdbToRead } from "../loaders/core/config.ts";
import { buildReport } from "./index.ts";

interface Flags {
  out: string;
  warehouse?: string;
  dataset?: string;
}

async function report(flags: Flags): Promise<number> {
  const config = configFromEnvironment({
    ...(flags.warehouse ? { WAREHOUSE: `duckdb:${flags.warehouse}` } : {}),
    ...(flags.dataset ? { BIGQUERY_DATASET: flags.dataset } : {}),
  });
  const warehousePath = duckdbToRead(config, "npm run report");
  const result = await buildReport({ warehousePath, dataset: config.dataset, outFile: flags.out });
  const largest = Object.entries(result.tables).sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 3);
  console.log(`Dashboard: ${result.outFile} (${Math.round(result.bytes / 1024)} KiB; dataset ${config.dataset}, warehouse ${warehousePath})`);
  console.log(`  largest embedded tables: ${largest.map(([name, t]) => `${name} ${t.rows} rows ${Math.round(t.bytes / 1024)} KiB`).join(", ")}`);
  return 0;
}

const result = { code: 0 };
const program = newCommand("npm run report --", "Write the local dashboard (one self-contained HTML file) from the warehouse's Looker Studio views.")
  .option("--out <file>", "where to write it", ".local/report/index.html")
  .option("--warehouse <path>", "a DuckDB file instead of WAREHOUSE's")
  .option("--dataset <name>", "base dataset instead of BIGQUERY_DATASET / ENVIRONMENT's");
onRun(program, report, result);
process.exitCode = await runCommand(withUsageOnError(program), process.argv.slice(2), result).catch(reportError);
