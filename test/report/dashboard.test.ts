// The local dashboard on a simulated organization: built from a real DuckDB warehouse by the real models, then
// opened in real headless Chromium, where filters must change what every panel shows.
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRODUCTIVITY_TOP, type Table } from "../../report/data.ts";
import { buildReport, renderHtml, type ReportData } from "../../report/index.ts";
import { buildModels, REPO_ROOT } from "../../runner/index.ts";
import type { GroundTruth } from "../../simulator/ledger.ts";
import { exec, query } from "../helpers/duckdb.ts";
import { loadSimulatedWarehouse, SIMULATED_CLOCK_VARS } from "../helpers/pipeline.ts";

const DATASET = "ai_usage_dev";
const CHROMIUM = "/usr/bin/chromium";
const CHART_IDS = ["chart-spend-trend", "chart-budget", "chart-teams", "chart-top-spenders", "chart-seats", "chart-acceptance", "chart-lines", "chart-models"];
const PANELS = [...CHART_IDS, "panel-monthly", "panel-people"];
const usd0 = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
const usd2 = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
/** The dashboard's money format: whole dollars from $1,000 up. */
const money = (v: number) => (Math.abs(v) >= 1000 ? usd0 : usd2).format(v);
const run = promisify(execFile);

let warehousePath: string;
let outFile: string;
let truth: GroundTruth;
let html: string;
let data: ReportData;

beforeAll(async () => {
  const loaded = await loadSimulatedWarehouse({ days: 45, users: 20 });
  await loaded.sim.close();
  truth = loaded.truth;
  warehousePath = loaded.warehousePath;
  const built = await buildModels({ warehousePath, dataset: DATASET, vars: SIMULATED_CLOCK_VARS });
  expect(built.actions.filter((a) => a.status !== "succeeded").map((a) => `${a.name}: ${a.error ?? ""}`)).toEqual([]);
  outFile = path.join(loaded.dir, "report", "index.html");
  await buildReport({ warehousePath, dataset: DATASET, outFile });
  html = readFileSync(outFile, "utf8");
  data = JSON.parse(html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s)![1]!) as ReportData;
}, 300_000);

/** The sum of one embedded column. */
const total = (table: Table, name: string) => table.values[table.columns.indexOf(name)]!.reduce((a: number, v) => a + Number(v), 0);

const vendorUsd = (tool: string) => truth.vendorDaily.filter((v) => v.tool === tool).reduce((a, v) => a + Number(v.cents), 0) / 100;

describe("buildReport", () => {
  it("writes one self-contained HTML file: echarts, data and script inline, nothing fetched at view time", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    // Markup outside the inline scripts loads nothing; the browser test below also fails on any request.
    const markup = html.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/g, "$1</script>");
    expect(markup.match(/<script\b[^>]*>/g)).toEqual(["<script>", '<script type="application/json" id="report-data">', "<script>"]);
    expect(/\ssrc=|<link\b|@import|url\(/i.test(markup)).toBe(false);
    expect(html.includes("echarts.init") && html.includes('"use strict"')).toBe(true); // library and dashboard inline
    expect(html.length).toBeGreaterThan(1_000_000);
    expect(data.dataset).toBe(DATASET);
  });

  it("embeds the views' figures: day rows sum to vw_cost_allocation and to the vendors' usage bills", async () => {
    const [view] = await query(warehousePath, `SELECT CAST(SUM(cost_usd) AS DOUBLE) AS total, CAST(SUM(cost_usd - seat_usd) AS DOUBLE) AS usage_total FROM ${DATASET}.vw_cost_allocation`);
    const embedded = total(data.days, "cost");
    const usage = total(data.models, "usage_cost");
    expect(embedded).toBeCloseTo(Number(view!.total), 2);
    // every panel's table adds up to the same money
    expect(usage).toBeCloseTo(Number(view!.usage_total), 2);
    const [people] = await query(warehousePath, `SELECT CAST(SUM(cost_usd) AS DOUBLE) AS total FROM ${DATASET}.vw_cost_allocation WHERE NOT is_unattributed`);
    expect(total(data.personMonths, "cost")).toBeCloseTo(Number(people!.total), 2);
    const vendorTotal = vendorUsd("cursor") + vendorUsd("claude_code") + vendorUsd("claude_api");
    expect(Math.abs(usage - vendorTotal)).toBeLessThan(0.01 * 3);
    // data health: every loaded stream, every assertion run and passing
    expect(data.health.streams.length).toBeGreaterThanOrEqual(10);
    expect(data.health.streams.every((s) => s.lastStatus === "succeeded" && s.lastSucceededAt !== null)).toBe(true);
    expect(data.health.checks.map((c) => [c.name, c.failingRows])).toContainEqual(["assert_reconcile_anthropic_cost", 0]);
    expect(data.health.checks.every((c) => c.failingRows === 0)).toBe(true);
  });

  it("embeds what the panels show, not one row per person and day: twice the people on the same days keep the day tables' rows", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "report-twins-"));
    const copy = path.join(dir, "warehouse.duckdb");
    copyFileSync(warehousePath, copy);
    // Every person gets a twin with the same days, teams, tools, models and seats.
    await exec(copy, ["fct_cost_daily", "fct_usage_daily", "fct_seats_daily", "dim_users"].map((t) =>
      `INSERT INTO ${DATASET}.${t} SELECT * REPLACE (person_id || '.twin' AS person_id) FROM ${DATASET}.${t} WHERE person_id != 'unattributed';`).join("\n"));
    const people = `SELECT COUNT(DISTINCT person_id) AS n FROM ${DATASET}.vw_cost_allocation WHERE NOT is_unattributed`;
    const [once] = await query(warehousePath, people);
    const [twice] = await query(copy, people);
    expect(Number(twice!.n)).toBe(2 * Number(once!.n));
    const built = await buildReport({ warehousePath: copy, dataset: DATASET, outFile: path.join(dir, "index.html") });
    const doubled = JSON.parse(readFileSync(path.join(dir, "index.html"), "utf8").match(/id="report-data">(.*?)<\/script>/s)![1]!) as ReportData;
    // the day panels' tables: not one row more
    for (const name of ["days", "models", "seats"] as const) expect(doubled[name].rows, name).toBe(data[name].rows);
    // the person panels' tables: months x people, never days x people
    expect(doubled.personMonths.rows).toBe(2 * data.personMonths.rows);
    const [personDays] = await query(warehousePath, `SELECT COUNT(*) AS n FROM (SELECT DISTINCT activity_date, person_id, tool FROM ${DATASET}.vw_cost_allocation WHERE NOT is_unattributed)`);
    expect(data.personMonths.rows * 5).toBeLessThan(Number(personDays!.n));
    // each month x tool x team lists its top people: twice the people, up to the cap
    const groupSizes = data.productivityGroups.values[data.productivityGroups.columns.indexOf("people")]!;
    const top = groupSizes.reduce((n: number, people) => n + Math.min(2 * Number(people), PRODUCTIVITY_TOP), 0);
    expect(doubled.productivity.rows).toBe(top);
    expect(doubled.productivityGroups.rows).toBe(data.productivityGroups.rows);
    // what each table weighs, for the CLI's line
    const [dayGrain] = await query(warehousePath, `SELECT COUNT(*) AS n FROM (SELECT DISTINCT activity_date, tool, team, cost_center FROM ${DATASET}.vw_cost_allocation)`);
    expect(built.tables.days!.rows).toBe(Number(dayGrain!.n));
  });

  it("reports a failed load run and quarantined records in data health", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "report-health-"));
    const copy = path.join(dir, "warehouse.duckdb");
    copyFileSync(warehousePath, copy);
    const instance = await DuckDBInstance.create(copy);
    const conn = await instance.connect();
    await conn.run(`INSERT INTO ${DATASET}_raw.raw_load_runs (run_id, source, stream, mode, started_at, finished_at, status, requests, records, quarantined, bytes, windows, error)
      VALUES ('29991231T000000Z-ffffff', 'cursor', 'spend', 'daily', now()::TIMESTAMP, now()::TIMESTAMP, 'failed', 3, 0, 0, 0, '[]', 'HTTP 503 from /teams/spend after 3 attempts')`);
    await conn.run(`INSERT INTO ${DATASET}_raw.raw_quarantine (run_id, fetched_at, source, stream, window_date, reason, lake_uri, record)
      VALUES ('29991231T000000Z-ffffff', now()::TIMESTAMP, 'anthropic', 'cost_report', DATE '2026-01-01', 'amount: expected a decimal string', 'file:///x', '{}')`);
    conn.closeSync();
    instance.closeSync();
    await buildReport({ warehousePath: copy, dataset: DATASET, outFile: path.join(dir, "index.html") });
    const report = JSON.parse(readFileSync(path.join(dir, "index.html"), "utf8").match(/id="report-data">(.*?)<\/script>/s)![1]!) as ReportData;
    const spend = report.health.streams.find((s) => s.source === "cursor" && s.stream === "spend")!;
    expect(spend).toMatchObject({ lastStatus: "failed", lastError: "HTTP 503 from /teams/spend after 3 attempts", stale: false });
    expect(spend.lastSucceededAt).not.toBeNull();
    expect(report.health.quarantine).toEqual([{ source: "anthropic", stream: "cost_report", reason: "amount: expected a decimal string", records: 1 }]);
  });

  it("names what is missing: the warehouse file, the views, a bad dataset name", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "report-"));
    await expect(buildReport({ warehousePath: path.join(dir, "none.duckdb"), dataset: DATASET, outFile: path.join(dir, "x.html") })).rejects.toThrow(
      /none\.duckdb does not exist: load data and build the models first/,
    );
    const empty = path.join(dir, "empty.duckdb");
    const instance = await DuckDBInstance.create(empty);
    instance.closeSync();
    await expect(buildReport({ warehousePath: empty, dataset: DATASET, outFile: path.join(dir, "x.html") })).rejects.toThrow(
      /has no ai_usage_dev\.vw_executive_summary, .*ai_usage_dev\.vw_cost_allocation.*: build the models first/,
    );
    await expect(buildReport({ warehousePath, dataset: "ai-usage", outFile: path.join(dir, "x.html") })).rejects.toThrow(/BIGQUERY_DATASET: "ai-usage" must be a BigQuery dataset name/);
    expect(existsSync(path.join(dir, "x.html"))).toBe(false);
  });

  it("the CLI writes the dashboard and prints its path", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "report-cli-")), "dash.html");
    const { stdout } = await run(process.execPath, ["--import", "tsx", "report/cli.ts", "--warehouse", warehousePath, "--dataset", DATASET, "--out", out], { cwd: REPO_ROOT });
    expect(stdout).toContain(`Dashboard: ${out}`);
    expect(readFileSync(out, "utf8")).toContain('id="report-data"');
  });
});

describe("the dashboard in headless Chromium", () => {
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    // CI runs .ci/setup-browser first; a bare machine gets Chromium here (as root).
    if (!existsSync(CHROMIUM)) execFileSync("bash", [path.join(REPO_ROOT, ".ci/setup-browser")], { stdio: "inherit" });
    context = await chromium.launchPersistentContext(mkdtempSync(path.join(tmpdir(), "chromium-profile-")), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1440, height: 900 },
    });
    // Anything off the page's own file is a failure of "self-contained".
    await context.route(/^(?!file:|data:|about:)/, (route) => {
      problems.push(`request ${route.request().url()}`);
      return route.abort();
    });
    page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(`file://${outFile}`);
    await page.waitForFunction(() => "__dashboard" in window);
  }, 300_000);

  afterAll(async () => {
    await context?.close();
  });

  /** Per chart: the summed length of its series' data and the sum of its numbers (what a reader sees). */
  const charts = () =>
    page.evaluate((ids) => {
      const ec = (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { series: Array<{ name: string; data: unknown[] }> } } } }).echarts;
      return Object.fromEntries(
        ids.map((id) => {
          const series = ec.getInstanceByDom(document.querySelector(`#${id} .chart`)!).getOption().series;
          const values = series.flatMap((s) => s.data.map((d) => (typeof d === "object" && d !== null ? (d as { value: number }).value : d)));
          return [id, { points: series.reduce((a, s) => a + s.data.filter((d) => d !== null).length, 0), sum: values.reduce((a: number, v) => a + (typeof v === "number" ? v : 0), 0), names: series.map((s) => s.name) }];
        }),
      );
    }, CHART_IDS);
  const text = (selector: string) => page.locator(selector).innerText();
  const pageTotal = () => page.evaluate(() => (window as unknown as { __dashboard: { total: number } }).__dashboard.total);
  async function setFilter(selector: string, value: string) {
    if (selector === "#f-from" || selector === "#f-to") await page.fill(selector, value);
    else await page.selectOption(selector, value);
    await page.dispatchEvent(selector, "change");
  }

  it("loads with no console errors and data in every chart and table", async () => {
    const all = await charts();
    for (const id of CHART_IDS) expect(all[id]!.points, id).toBeGreaterThan(0);
    for (const id of PANELS) expect(await page.locator(`#${id}`).getAttribute("class"), id).not.toContain("is-empty");
    expect(await page.locator("#monthly-table tr").count()).toBeGreaterThan(0);
    expect(await page.locator("#people-table tr").count()).toBeGreaterThan(0);
    expect(await page.locator("#freshness-table tr").count()).toBe(data.health.streams.length);
    expect(problems).toEqual([]);
  });

  it("shows the total spend as USD, equal to the warehouse's", async () => {
    const [row] = await query(warehousePath, `SELECT CAST(SUM(cost_usd) AS DOUBLE) AS total FROM ${DATASET}.vw_cost_allocation`);
    expect(await pageTotal()).toBeCloseTo(Number(row!.total), 2);
    expect(await text("#kpi-spend .value")).toBe(money(Number(row!.total)));
    // the team bars add up to the same total
    expect((await charts())["chart-teams"]!.sum).toBeCloseTo(Number(row!.total), 0);
  });

  it("per day and tool, the daily spend chart shows vw_cost_allocation's sum to the cent", async () => {
    const sums = await query(warehousePath, `
      SELECT CAST(activity_date AS VARCHAR) AS day, tool, CAST(SUM(cost_usd) AS DOUBLE) AS cost FROM ${DATASET}.vw_cost_allocation GROUP BY ALL`);
    const shown = await page.evaluate(() => {
      const ec = (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { series: Array<{ name: string; data: Array<number | null> }> } } } }).echarts;
      return ec.getInstanceByDom(document.querySelector("#chart-spend-trend .chart")!).getOption().series;
    });
    const first = sums.map((r) => String(r.day)).sort()[0]!;
    const dayIndex = (day: string) => (Date.parse(`${day}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86_400_000;
    const label: Record<string, string> = { cursor: "Cursor", claude_code: "Claude Code", claude_api: "Claude API" };
    for (const r of sums) {
      const drawn = shown.find((s) => s.name === label[String(r.tool)])!.data[dayIndex(String(r.day))]!;
      // rounded to the cent: within half a cent of the exact sum
      expect(Math.abs(drawn - Number(r.cost)), `${String(r.day)} ${String(r.tool)}`).toBeLessThanOrEqual(0.005 + 1e-9);
    }
    expect(sums.length).toBeGreaterThan(40);
  });

  it("takes months from vw_executive_summary and budgets from vw_monthly_finance: no partial month is compared", async () => {
    const months = await query(warehousePath, `
      SELECT strftime(month, '%Y-%m') AS month, CAST(spend_usd AS DOUBLE) AS spend, CAST(month_end_forecast_usd AS DOUBLE) AS forecast,
        is_month_to_date, is_complete_month, mom_change_pct AS mom, mom_basis
      FROM ${DATASET}.vw_executive_summary WHERE tool = 'all' ORDER BY month`);
    const shown = await page.locator("#monthly-table tr").evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-month"), tr.children[1]!.textContent, tr.children[2]!.textContent, tr.children[3]!.textContent]));
    // the 45 days start mid-October: October is partial, so November (to date) compares with nothing either
    expect(months.map((m) => [m.is_complete_month, m.is_month_to_date, m.mom])).toEqual([[false, false, null], [false, true, null]]);
    // a forecast only for the month under way; a comparison only where the view makes one
    expect(shown).toEqual(months.map((m) => [m.month, money(Number(m.spend)), m.mom === null ? "–" : expect.stringContaining("%"), m.is_month_to_date ? money(Number(m.forecast)) : "–"]));
    // cost-center budgets of the current month: the 'all' row's budget (the all-tools budget, else the per-tool ones)
    const month = String(months.at(-1)!.month);
    const [budget] = await query(warehousePath, `
      SELECT CAST(SUM(budget_usd) AS DOUBLE) AS budget, CAST(SUM(spend_usd) AS DOUBLE) AS spend, CAST(SUM(month_end_forecast_usd) AS DOUBLE) AS forecast
      FROM ${DATASET}.vw_monthly_finance WHERE strftime(month, '%Y-%m') = '${month}' AND team = '(all)' AND tool = 'all'`);
    expect(Number(budget!.budget)).toBeGreaterThan(0);
    expect(await text("#kpi-mtd .sub")).toContain(`of ${money(Number(budget!.budget))} budget`);
    // the month KPIs are the views' figures, and the views agree with each other
    expect(await text("#kpi-mtd .value")).toBe(money(Number(months.at(-1)!.spend)));
    expect(await text("#kpi-forecast .value")).toBe(money(Number(months.at(-1)!.forecast)));
    expect(Number(budget!.spend)).toBeCloseTo(Number(months.at(-1)!.spend), 6);
    expect(Number(budget!.forecast)).toBeCloseTo(Number(months.at(-1)!.forecast), 6);
  });

  it("flags a handful of unusual days at most, says N on every top-N list, names the tools cost per line covers, shows values on hover", async () => {
    const flagged = Number((await text("#trend-note")).match(/^(\d+) unusual day/)![1]);
    expect(flagged).toBeLessThanOrEqual(5);
    expect(await text("#top-spenders-title")).toMatch(/^Top 10 spenders of \d+ · [A-Z][a-z]{2} \d{4}( – [A-Z][a-z]{2} \d{4})?$/);
    expect(await text("#people-title")).toMatch(/top 12 of \d+ by lines accepted/);
    expect(await text("#kpi-line .sub")).toMatch(/^Claude Code \+ Cursor: [\d,]+ lines accepted they pay for$/);
    // the per-line divisor leaves out Claude Code plan users' lines (their plan is not in the spend): the lines of
    // actors billed in the Claude Code workspace, and every Cursor line
    const [lines] = await query(warehousePath, `
      SELECT CAST((SELECT SUM(lines_added) FROM ${DATASET}.int_claude_code__activity WHERE billed_in = 'claude_code_workspace')
        + (SELECT SUM(accepted_lines_added) FROM ${DATASET}.int_cursor__daily_usage) AS DOUBLE) AS paid_for,
        (SELECT CAST(SUM(lines_added) AS DOUBLE) FROM ${DATASET}.int_claude_code__activity WHERE billed_in = 'subscription') AS plan_lines`);
    expect(Number(lines!.plan_lines)).toBeGreaterThan(0);
    expect(await text("#kpi-line .sub")).toBe(`Claude Code + Cursor: ${new Intl.NumberFormat("en-US").format(Number(lines!.paid_for))} lines accepted they pay for`);
    expect(await text("#lines-note")).toBe("Covers Claude Code and Cursor; Claude API reports no accepted lines.");
    const options = await page.evaluate((ids) => {
      const ec = (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { tooltip?: unknown[]; series: Array<{ type: string; label?: { show?: boolean } }> } } } }).echarts;
      return ids.map((id) => {
        const o = ec.getInstanceByDom(document.querySelector(`#${id} .chart`)!).getOption();
        return { id, tooltip: (o.tooltip ?? []).length > 0, types: o.series.map((s) => s.type), label: o.series[0]?.label?.show ?? false };
      });
    }, CHART_IDS);
    for (const o of options) expect(o.tooltip, o.id).toBe(true);
    // the donut labels its shares; no chart draws a line across tools
    expect(options.find((o) => o.id === "chart-models")!.label).toBe(true);
    expect(options.find((o) => o.id === "chart-lines")!.types).toEqual(["bar", "scatter"]);
  });

  it("the tool filter changes the KPIs and every chart: Claude Code spend equals the vendor's bill", async () => {
    const before = await charts();
    await setFilter("#f-tool", "claude_code");
    expect(await pageTotal()).toBeCloseTo(vendorUsd("claude_code"), 2);
    expect(await text("#kpi-spend .value")).toBe(money(vendorUsd("claude_code")));
    const after = await charts();
    expect(after["chart-spend-trend"]!.names).toEqual(["Claude Code", "7-day average", "Unusual day"]);
    expect(after["chart-teams"]!.sum).toBeCloseTo(vendorUsd("claude_code"), 0);
    for (const id of ["chart-spend-trend", "chart-teams", "chart-top-spenders", "chart-models", "chart-lines"]) expect(after[id]!.sum, id).not.toBeCloseTo(before[id]!.sum, 0);
    // Cursor is the only tool with seats: the seat panel says so rather than drawing zeros
    expect(await page.locator("#chart-seats").getAttribute("class")).toContain("is-empty");
    await setFilter("#f-tool", "");
  });

  it("the team filter narrows spend, teams, people and budgets to that team", async () => {
    const [top] = await query(warehousePath, `SELECT team, CAST(SUM(cost_usd) AS DOUBLE) AS total FROM ${DATASET}.vw_cost_allocation WHERE team NOT IN ('unmapped', 'unattributed') GROUP BY team ORDER BY total DESC LIMIT 1`);
    const team = String(top!.team);
    const spenders = (await charts())["chart-top-spenders"]!.sum;
    await setFilter("#f-team", team);
    expect(await pageTotal()).toBeCloseTo(Number(top!.total), 2);
    const after = await charts();
    expect(after["chart-teams"]!.points).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { yAxis: Array<{ data: string[] }> } } } }).echarts.getInstanceByDom(document.querySelector("#chart-teams .chart")!).getOption().yAxis[0]!.data)).toHaveLength(1);
    expect(after["chart-top-spenders"]!.sum).toBeLessThan(spenders);
    const [cc] = await query(warehousePath, `SELECT ANY_VALUE(cost_center) AS cc FROM ${DATASET}.vw_cost_allocation WHERE team = '${team}'`);
    const budgetCenters = await page.evaluate(() => (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { xAxis: Array<{ data: string[] }> } } } }).echarts.getInstanceByDom(document.querySelector("#chart-budget .chart")!).getOption().xAxis[0]!.data);
    expect(budgetCenters.every((c) => c === cc!.cc)).toBe(true);
    const teams = await page.locator("#people-table tr td:nth-child(3)").allInnerTexts();
    expect(new Set(teams)).toEqual(new Set([team]));
    await setFilter("#f-team", "");
  });

  it("the date range changes the totals, and a range without data shows empty states", async () => {
    const days = truth.days;
    const from = days[days.length - 7]!;
    const to = days[days.length - 1]!;
    const [row] = await query(warehousePath, `SELECT CAST(SUM(cost_usd) AS DOUBLE) AS total FROM ${DATASET}.vw_cost_allocation WHERE activity_date BETWEEN DATE '${from}' AND DATE '${to}'`);
    await setFilter("#f-from", from);
    await setFilter("#f-to", to);
    expect(await pageTotal()).toBeCloseTo(Number(row!.total), 2);
    expect((await charts())["chart-spend-trend"]!.points).toBeGreaterThanOrEqual(7);
    // the person panels cover the calendar months the range touches, whole
    const months = `strftime(activity_date, '%Y-%m') BETWEEN '${from.slice(0, 7)}' AND '${to.slice(0, 7)}' AND NOT is_unattributed`;
    const top = await query(warehousePath, `SELECT person_id, CAST(SUM(cost_usd) AS DOUBLE) AS cost FROM ${DATASET}.vw_cost_allocation WHERE ${months} GROUP BY person_id ORDER BY cost DESC LIMIT 10`);
    expect((await charts())["chart-top-spenders"]!.sum).toBeCloseTo(top.reduce((a, r) => a + Number(r.cost), 0), 0);
    const [active] = await query(warehousePath, `SELECT COUNT(DISTINCT person_id) AS n FROM ${DATASET}.vw_cost_allocation WHERE is_active AND ${months}`);
    expect(await text("#kpi-users .value")).toBe(String(active!.n));

    await setFilter("#f-from", "2020-01-01");
    await setFilter("#f-to", "2020-01-31");
    expect(await text("#kpi-spend .value")).toBe("–");
    await expect(page.locator(".no-data-banner").isVisible()).resolves.toBe(true);
    for (const id of PANELS) {
      expect(await page.locator(`#${id}`).getAttribute("class"), id).toContain("is-empty");
      await expect(page.locator(`#${id} .empty-state`).isVisible(), id).resolves.toBe(true);
    }
    await page.click("#f-reset");
    expect(await pageTotal()).toBeCloseTo(total(data.days, "cost"), 2);
    expect(problems).toEqual([]);
  });

  it("a warehouse with no rows yet gives empty states, not errors", async () => {
    const empty = (t: Table): Table => ({ ...t, values: t.columns.map(() => []), rows: 0 });
    const bare: ReportData = {
      ...data, people: {}, days: empty(data.days), models: empty(data.models), seats: empty(data.seats), personMonths: empty(data.personMonths),
      finance: empty(data.finance), productivity: empty(data.productivity), productivityGroups: empty(data.productivityGroups), executive: empty(data.executive),
      health: { ...data.health, streams: [], quarantine: [], checks: data.health.checks.map((c) => ({ ...c, failingRows: null })) },
    };
    const file = path.join(mkdtempSync(path.join(tmpdir(), "report-empty-")), "index.html");
    writeFileSync(file, renderHtml(bare));
    const other = await context.newPage();
    const errors: string[] = [];
    other.on("pageerror", (e) => errors.push(e.message));
    other.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await other.goto(`file://${file}`);
    await other.waitForFunction(() => "__dashboard" in window);
    expect(errors).toEqual([]);
    for (const id of PANELS) expect(await other.locator(`#${id}`).getAttribute("class"), id).toContain("is-empty");
    expect(await other.locator("#kpi-spend .value").innerText()).toBe("–");
    expect(await other.locator("#f-summary").innerText()).toMatch(/no data loaded yet/i);
    expect(await other.locator("#checks-list").innerText()).toContain("not run");
    await other.close();
  });

  it("writes a full-page screenshot to test-output/report.png", async () => {
    const file = path.join(REPO_ROOT, "test-output", "report.png");
    mkdirSync(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file, fullPage: true });
    expect(readFileSync(file).subarray(1, 4).toString()).toBe("PNG");
  });
});
