// The Looker Studio Linking API URL: parsed back and checked parameter by parameter against the documented format.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { LINKING_API_BASE, LOOKER_VIEWS, lookerStudioUrl } from "../../report/looker.ts";

const run = promisify(execFile);

function params(url: string): Map<string, string> {
  const parsed = new URL(url);
  expect(`${parsed.origin}${parsed.pathname}`).toBe(LINKING_API_BASE);
  const keys = [...parsed.searchParams.keys()];
  expect(new Set(keys).size).toBe(keys.length); // no parameter twice
  return new Map(parsed.searchParams);
}

describe("lookerStudioUrl", () => {
  it("binds one BigQuery TABLE data source per reporting view", () => {
    const p = params(lookerStudioUrl({ projectId: "acme-ai-usage", dataset: "ai_usage", reportName: "AI spend" }));
    expect(p.get("r.reportName")).toBe("AI spend");
    expect(p.has("c.reportId")).toBe(false);
    expect(LOOKER_VIEWS.map((v) => v.view)).toEqual(["vw_executive_summary", "vw_monthly_finance", "vw_productivity_metrics", "vw_cost_allocation"]);
    for (const { alias, view } of LOOKER_VIEWS) {
      expect(p.get(`ds.${alias}.connector`)).toBe("bigQuery");
      expect(p.get(`ds.${alias}.type`)).toBe("TABLE");
      expect(p.get(`ds.${alias}.projectId`)).toBe("acme-ai-usage");
      expect(p.get(`ds.${alias}.datasetId`)).toBe("ai_usage");
      expect(p.get(`ds.${alias}.tableId`)).toBe(view);
      expect(p.get(`ds.${alias}.datasourceName`)).toContain(`ai_usage.${view}`);
    }
    // r.reportName + 6 per data source, nothing else
    expect(p.size).toBe(1 + 6 * LOOKER_VIEWS.length);
    const aliases = new Set([...p.keys()].filter((k) => k.startsWith("ds.")).map((k) => k.split(".")[1]));
    expect(aliases).toEqual(new Set(LOOKER_VIEWS.map((v) => v.alias)));
  });

  it("passes the optional template report, billing project and a default name", () => {
    const p = params(lookerStudioUrl({ projectId: "example.com:acme-prod", dataset: "ai_usage", templateReportId: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", billingProjectId: "acme-billing" }));
    expect(p.get("c.reportId")).toBe("0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0");
    expect(p.get("r.reportName")).toBe("AI usage analytics (ai_usage)");
    expect(p.get("ds.ds3.projectId")).toBe("example.com:acme-prod");
    for (const { alias } of LOOKER_VIEWS) expect(p.get(`ds.${alias}.billingProjectId`)).toBe("acme-billing");
  });

  it("percent-encodes special characters so they survive the round trip", () => {
    const name = "R&D spend = 100% #1 / Q4 + ü";
    const url = lookerStudioUrl({ projectId: "acme-ai-usage", dataset: "ai_usage", reportName: name });
    expect(url).toContain("r.reportName=R%26D%20spend%20%3D%20100%25%20%231%20%2F%20Q4%20%2B%20%C3%BC&");
    expect(url).not.toMatch(/[ #+]/); // no raw space, fragment or plus (which would read as a space)
    expect(params(url).get("r.reportName")).toBe(name);
  });

  it.each([
    [{ projectId: "Acme-Prod", dataset: "ai_usage" }, /project "Acme-Prod" is not a GCP project ID/],
    [{ projectId: "acme", dataset: "ai_usage" }, /project "acme" is not a GCP project ID: 6-30/],
    [{ projectId: "acme-prod-", dataset: "ai_usage" }, /not ending with a hyphen/],
    [{ projectId: "1acme-prod", dataset: "ai_usage" }, /starting with a letter/],
    [{ projectId: "acme-prod&x=1", dataset: "ai_usage" }, /not a GCP project ID/],
    [{ projectId: "acme-prod", dataset: "ai-usage" }, /dataset "ai-usage" is not a BigQuery dataset name/],
    [{ projectId: "acme-prod", dataset: "ai usage" }, /dataset "ai usage"/],
    [{ projectId: "acme-prod", dataset: "" }, /dataset ""/],
    [{ projectId: "acme-prod", dataset: "ai_usage", billingProjectId: "X" }, /billing project "X"/],
    [{ projectId: "acme-prod", dataset: "ai_usage", templateReportId: "abc/def" }, /report id "abc\/def"/],
    [{ projectId: "acme-prod", dataset: "ai_usage", reportName: "  " }, /report name must be non-empty/],
    [{ projectId: "acme-prod", dataset: "ai_usage", reportName: "a\nb" }, /without control characters/],
  ])("rejects %j", (opts, message) => {
    expect(() => lookerStudioUrl(opts)).toThrow(message);
  });

  it("the CLI prints the URL, and names a bad argument with exit code 2", async () => {
    const cli = (...args: string[]) => run(process.execPath, ["--import", "tsx", "report/looker-url.ts", ...args]);
    const fail = (e: { code: number; stderr: string }) => e;
    const [ok, bad, missing] = await Promise.all([
      cli("--project", "acme-ai-usage", "--dataset", "ai_usage", "--report-name", "AI & me"),
      cli("--project", "acme-ai-usage", "--dataset", "ai-usage").catch(fail),
      cli("--project", "acme-ai-usage").catch(fail),
    ]);
    const p = params(ok.stdout.trim());
    expect(p.get("r.reportName")).toBe("AI & me");
    expect(p.get("ds.ds0.tableId")).toBe("vw_executive_summary");
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr).toMatch(/dataset "ai-usage" is not a BigQuery dataset name/);
    expect((missing as { stderr: string }).stderr).toMatch(/--project and --dataset are required/);
  });
});
