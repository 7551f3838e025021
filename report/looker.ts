// Looker Studio Linking API: a URL that creates the report with one BigQuery data source per reporting view.
// Format: https://lookerstudio.google.com/reporting/create?c.reportId=…&r.reportName=…&ds.<alias>.<param>=…
export const LOOKER_VIEWS = [
  { alias: "ds0", view: "vw_executive_summary", label: "Executive summary" },
  { alias: "ds1", view: "vw_monthly_finance", label: "Monthly finance" },
  { alias: "ds2", view: "vw_productivity_metrics", label: "Productivity" },
  { alias: "ds3", view: "vw_cost_allocation", label: "Cost allocation" },
] as const;

export const LINKING_API_BASE = "https://lookerstudio.google.com/reporting/create";

export interface LookerUrlOptions {
  /** GCP project holding the dataset, e.g. acme-ai-usage. */
  projectId: string;
  /** BigQuery dataset with the views, e.g. ai_usage. */
  dataset: string;
  reportName?: string;
  /** Template report to copy; without it Looker Studio starts from a blank report. */
  templateReportId?: string;
  /** Project billed for the queries, when not the data project. */
  billingProjectId?: string;
}

// Project IDs: 6-30 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen;
// legacy domain-scoped projects carry a "domain.com:" prefix.
const PROJECT_ID = /^(?:[a-z0-9][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const DATASET = /^[A-Za-z0-9_]{1,1024}$/;
const REPORT_ID = /^[A-Za-z0-9_-]{1,100}$/;

export function lookerStudioUrl(opts: LookerUrlOptions): string {
  checkProject("project", opts.projectId);
  if (opts.billingProjectId !== undefined) checkProject("billing project", opts.billingProjectId);
  if (!DATASET.test(opts.dataset)) {
    throw new Error(`dataset "${opts.dataset}" is not a BigQuery dataset name: use letters, digits and underscores only (e.g. ai_usage)`);
  }
  if (opts.templateReportId !== undefined && !REPORT_ID.test(opts.templateReportId)) {
    throw new Error(`report id "${opts.templateReportId}" is not a Looker Studio report id (the letters, digits and hyphens after /reporting/ in its URL)`);
  }
  const reportName = (opts.reportName ?? `AI usage analytics (${opts.dataset})`).trim();
  if (reportName === "" || [...reportName].some((ch) => ch.charCodeAt(0) < 0x20)) throw new Error("report name must be non-empty text without control characters");

  const params: Array<[string, string]> = [];
  if (opts.templateReportId !== undefined) params.push(["c.reportId", opts.templateReportId]);
  params.push(["r.reportName", reportName]);
  for (const { alias, view, label } of LOOKER_VIEWS) {
    params.push(
      [`ds.${alias}.connector`, "bigQuery"],
      [`ds.${alias}.type`, "TABLE"],
      [`ds.${alias}.projectId`, opts.projectId],
      [`ds.${alias}.datasetId`, opts.dataset],
      [`ds.${alias}.tableId`, view],
      [`ds.${alias}.datasourceName`, `${label} (${opts.dataset}.${view})`],
    );
    if (opts.billingProjectId !== undefined) params.push([`ds.${alias}.billingProjectId`, opts.billingProjectId]);
  }
  // encodeURIComponent, not URLSearchParams: spaces become %20 rather than "+".
  return `${LINKING_API_BASE}?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}`;
}

function checkProject(what: string, id: string): void {
  if (!PROJECT_ID.test(id)) {
    throw new Error(
      `${what} "${id}" is not a GCP project ID: 6-30 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen`,
    );
  }
}
