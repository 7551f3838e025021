// npx tsx report/looker-url.ts --project P --dataset D [--report-name NAME] [--report-id TEMPLATE] [--billing-project B]
// Prints a Looker Studio Linking API URL that creates the report with the four reporting views as data sources.
import { parseArgs } from "node:util";
import { lookerStudioUrl } from "./looker.ts";

const USAGE = `Usage: npx tsx report/looker-url.ts --project <gcp-project> --dataset <bigquery-dataset> [--report-name <name>] [--report-id <template-report-id>] [--billing-project <gcp-project>]`;

function main(argv: string[]): number {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        project: { type: "string" },
        dataset: { type: "string" },
        "report-name": { type: "string" },
        "report-id": { type: "string" },
        "billing-project": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (!values.project || !values.dataset) throw new Error(`--project and --dataset are required`);
    console.log(
      lookerStudioUrl({
        projectId: values.project,
        dataset: values.dataset,
        ...(values["report-name"] !== undefined ? { reportName: values["report-name"] } : {}),
        ...(values["report-id"] !== undefined ? { templateReportId: values["report-id"] } : {}),
        ...(values["billing-project"] !== undefined ? { billingProjectId: values["billing-project"] } : {}),
      }),
    );
    return 0;
  } catch (err) {
    console.error(`looker-url: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
