// npm run models -- run  [--tags daily] [--actions a,b] [--include-deps] [--include-dependents] [--full-refresh] [--vars k=v,...]
// npm run models -- test [--vars k=v,...]
// The warehouse and the dataset come from the configuration every command reads (WAREHOUSE, ENVIRONMENT,
// BIGQUERY_DATASET, .env); --warehouse and --dataset override them for one run, checked the same way.
import { pathToFileURL } from "node:url";
import { list, newCommand, onRun, reportError, runCommand, UsageError, withUsageOnError, type Command } from "../cli/command.ts";
import { configFromEnvironment, datasetNames, duckdbToRead, type Config } from "../loaders/core/config.ts";
import { openDuckDbFile } from "../loaders/core/duckdb-file.ts";
import { buildModels, compileForDataset, REPO_ROOT, SelectionError } from "./index.ts";
import { openWarehouse } from "./duckdb.ts";
import { formatSummary, formatTest, printProgress } from "./report.ts";
import { runUnitTests } from "./unit-tests.ts";

export function parseVars(s: string | undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of s ? list(s) : []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`--vars: "${pair}" is not key=value`);
    vars[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return vars;
}

interface Common {
  vars?: string;
  warehouse?: string;
  dataset?: string;
  project?: string;
}

interface RunFlags extends Common {
  tags?: string[];
  actions?: string[];
  includeDeps?: boolean;
  includeDependents?: boolean;
  fullRefresh?: boolean;
}

function configOf(flags: Common): Config {
  return configFromEnvironment({
    ...(flags.warehouse ? { WAREHOUSE: `duckdb:${flags.warehouse}` } : {}),
    ...(flags.dataset ? { BIGQUERY_DATASET: flags.dataset } : {}),
  });
}

/** The raw schema the models read must be in the file: else the dataset (ENVIRONMENT) and the loads disagree. */
async function checkRawSchema(file: string, dataset: string): Promise<void> {
  const raw = datasetNames(dataset).raw;
  const db = await openDuckDbFile(file, { readOnly: true });
  try {
    const reader = await db.connection.runAndReadAll("SELECT schema_name FROM information_schema.schemata WHERE catalog_name = current_database()");
    const schemas = reader.getRows().map((r) => String(r[0]));
    if (schemas.includes(raw)) return;
    const others = schemas.filter((s) => s.endsWith("_raw"));
    throw new UsageError(
      `the warehouse ${file} has no schema ${raw}, so nothing was loaded for dataset ${dataset}` +
        (others.length ? `; it has ${others.join(", ")}: set ENVIRONMENT or BIGQUERY_DATASET to match (README, Configuration)` : "; load data first (npm start, or npm run load -- --simulated)"),
    );
  } finally {
    db.close();
  }
}

async function run(flags: RunFlags): Promise<number> {
  const config = configOf(flags);
  const warehousePath = duckdbToRead(config, "npm run models");
  const vars = parseVars(flags.vars);
  await checkRawSchema(warehousePath, config.dataset);
  const projectDir = flags.project ?? REPO_ROOT;
  process.stderr.write(`Compiling ${projectDir} for dataset ${config.dataset} (warehouse ${warehousePath})\n`);
  try {
    const result = await buildModels({
      warehousePath,
      ...(config.warehouse.kind === "duckdb" ? { memory: config.warehouse.memory } : {}),
      projectDir,
      dataset: config.dataset,
      vars,
      ...(flags.tags ? { tags: flags.tags } : {}),
      ...(flags.actions ? { actions: flags.actions } : {}),
      includeDependencies: flags.includeDeps === true,
      includeDependents: flags.includeDependents === true,
      fullRefresh: flags.fullRefresh === true,
      onProgress: printProgress,
    });
    process.stderr.write(`compiled in ${(result.compileMs / 1000).toFixed(2)}s\n${formatSummary(result)}\n`);
    return result.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof SelectionError) throw new UsageError(error.message);
    throw error;
  }
}

/** The Dataform unit tests: their inputs are inline, so they run in memory and never wait for the warehouse. */
async function test(flags: Common): Promise<number> {
  const config = configOf(flags);
  const graph = await compileForDataset({ projectDir: flags.project ?? REPO_ROOT, dataset: config.dataset, vars: parseVars(flags.vars) });
  const warehouse = await openWarehouse(":memory:");
  try {
    const results = await runUnitTests(graph, warehouse.conn, (r) => process.stderr.write(formatTest(r) + "\n"));
    const failed = results.filter((r) => r.status === "failed").length;
    process.stderr.write(`${failed ? "FAILED" : "OK"}: ${results.length - failed}/${results.length} unit test(s) passed\n`);
    return failed ? 1 : 0;
  } finally {
    warehouse.close();
  }
}

function program(result: { code: number }): Command {
  const models = newCommand("npm run models --", "The Dataform models on the local DuckDB warehouse (WAREHOUSE, dataset from ENVIRONMENT or BIGQUERY_DATASET).");
  const common = (c: Command) =>
    c
      .option("--vars <k=v,...>", "Dataform vars for this run")
      .option("--dataset <name>", "base dataset instead of BIGQUERY_DATASET / ENVIRONMENT's")
      .option("--project <dir>", "the Dataform project (default: this repository)");
  onRun(
    common(models.command("run").description("Build the graph (or a selection of it) into the warehouse, assertions included."))
      .option("--tags <list>", "only actions with one of these tags", list)
      .option("--actions <list>", "only these actions (names or schema.name)", list)
      .option("--include-deps", "with the actions they depend on")
      .option("--include-dependents", "with the actions that depend on them")
      .option("--full-refresh", "rebuild incremental tables from scratch")
      .option("--warehouse <path>", "a DuckDB file instead of WAREHOUSE's"),
    run,
    result,
  );
  onRun(common(models.command("test").description("Run the Dataform unit tests (in memory).")), test, result);
  return withUsageOnError(models); // subcommands inherit the parent's error handling, help option and output
}

export async function main(argv: string[]): Promise<number> {
  const result = { code: 0 };
  return runCommand(program(result), argv, result);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => process.exit(reportError(error)),
  );
}
