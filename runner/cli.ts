// Local Dataform runner CLI:
//   npx tsx runner/cli.ts run  [--tags daily] [--actions a,b] [--include-deps] [--include-dependents] [--full-refresh]
//                              [--vars k=v,...] [--warehouse .local/warehouse.duckdb] [--dataset ai_usage_dev] [--project .]
//   npx tsx runner/cli.ts test [--vars ...] [--warehouse ...] [--dataset ...] [--project .]
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { buildModels, compileForDataset, REPO_ROOT } from "./index.ts";
import { openWarehouse } from "./duckdb.ts";
import { formatSummary, formatTest, printProgress } from "./report.ts";
import { runUnitTests } from "./unit-tests.ts";

const USAGE = `Usage:
  npx tsx runner/cli.ts run  [--tags t1,t2] [--actions a,b] [--include-deps] [--include-dependents] [--full-refresh]
                             [--vars k=v,...] [--warehouse PATH] [--dataset NAME] [--project DIR]
  npx tsx runner/cli.ts test [--vars k=v,...] [--warehouse PATH] [--dataset NAME] [--project DIR]
Defaults: --warehouse .local/warehouse.duckdb (or $WAREHOUSE=duckdb:<path>), --dataset $BIGQUERY_DATASET or ai_usage_dev, --project the repository root.
`;

const list = (s: string | undefined) => (s ? s.split(",").map((x) => x.trim()).filter(Boolean) : undefined);

export function parseVars(s: string | undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of list(s) ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new Error(`--vars: "${pair}" is not key=value`);
    vars[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return vars;
}

function defaultWarehouse(): string {
  const w = process.env.WAREHOUSE;
  return w?.startsWith("duckdb:") ? w.slice("duckdb:".length) : ".local/warehouse.duckdb";
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      tags: { type: "string" },
      actions: { type: "string" },
      "include-deps": { type: "boolean" },
      "include-dependents": { type: "boolean" },
      "full-refresh": { type: "boolean" },
      vars: { type: "string" },
      warehouse: { type: "string" },
      dataset: { type: "string" },
      project: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help || (command !== "run" && command !== "test")) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const dataset = values.dataset ?? process.env.BIGQUERY_DATASET ?? "ai_usage_dev";
  const warehousePath = values.warehouse ?? defaultWarehouse();
  const projectDir = values.project ?? REPO_ROOT;
  const vars = parseVars(values.vars);

  if (command === "test") {
    const graph = await compileForDataset({ projectDir, dataset, vars });
    const warehouse = await openWarehouse(warehousePath);
    try {
      const results = await runUnitTests(graph, warehouse.conn, (r) => process.stderr.write(formatTest(r) + "\n"));
      const failed = results.filter((r) => r.status === "failed").length;
      process.stderr.write(`${failed ? "FAILED" : "OK"}: ${results.length - failed}/${results.length} unit test(s) passed\n`);
      return failed ? 1 : 0;
    } finally {
      warehouse.close();
    }
  }

  const tags = list(values.tags);
  const actions = list(values.actions);
  process.stderr.write(`Compiling ${projectDir} for dataset ${dataset}\n`);
  const result = await buildModels({
    warehousePath,
    projectDir,
    dataset,
    vars,
    ...(tags ? { tags } : {}),
    ...(actions ? { actions } : {}),
    includeDependencies: values["include-deps"] === true,
    includeDependents: values["include-dependents"] === true,
    fullRefresh: values["full-refresh"] === true,
    onProgress: printProgress,
  });
  process.stderr.write(`compiled in ${(result.compileMs / 1000).toFixed(2)}s\n${formatSummary(result)}\n`);
  return result.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(1);
    },
  );
}
