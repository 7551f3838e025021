// npx tsx report/cli.ts [--warehouse .local/warehouse.duckdb] [--dataset ai_usage_dev] [--out .local/report/index.html]
import { parseArgs } from "node:util";
import { buildReport } from "./index.ts";

const USAGE = `Usage: npx tsx report/cli.ts [--warehouse .local/warehouse.duckdb] [--dataset ai_usage_dev] [--out .local/report/index.html]
Builds the local dashboard (one self-contained HTML file) from the warehouse's Looker Studio views.`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        warehouse: { type: "string", default: ".local/warehouse.duckdb" },
        dataset: { type: "string", default: process.env.BIGQUERY_DATASET || "ai_usage_dev" },
        out: { type: "string", default: ".local/report/index.html" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const result = await buildReport({ warehousePath: values.warehouse, dataset: values.dataset, outFile: values.out });
    console.log(`Dashboard: ${result.outFile} (${Math.round(result.bytes / 1024)} KiB, ${result.rows.costs} cost rows)`);
    return 0;
  } catch (err) {
    console.error(`report: ${(err as Error).message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
