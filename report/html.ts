// One self-contained HTML file: styles, echarts, the data as JSON and the dashboard script, all inline.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { ReportData } from "./data.ts";

const require = createRequire(import.meta.url);
const ECHARTS = require.resolve("echarts/dist/echarts.min.js");
const DASHBOARD = new URL("./dashboard.js", import.meta.url);

/** JSON that cannot close the <script> element it sits in. */
const scriptSafeJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");

/** A chart panel; the script rewrites the title of the panels whose title carries figures (titled by `${id}-title`). */
const TITLED = new Set(["chart-budget", "chart-top-spenders", "chart-models"]);
const panel = (id: string, title: string, hint: string, extra = "", wide = false) => `
    <section class="panel${wide ? " wide" : ""}" id="${id}">
      <header><h2${TITLED.has(id) ? ` id="${id.replace("chart-", "")}-title"` : ""}>${title}</h2><p>${hint}</p></header>
      ${extra}
      <div class="chart-box"><div class="chart"></div><div class="empty-state">No data for the selected filters.</div></div>
    </section>`;

const kpi = (id: string, label: string) => `<div class="kpi" id="${id}"><span class="label">${label}</span><span class="value">–</span><span class="sub"></span></div>`;

export function renderHtml(data: ReportData): string {
  const echarts = readFileSync(ECHARTS, "utf8");
  const script = readFileSync(DASHBOARD, "utf8");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AI usage and spend · ${data.dataset}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top">
  <div>
    <h1>AI usage and spend</h1>
    <p id="meta"></p>
  </div>
  <form class="filters" onsubmit="return false">
    <label>From <input type="date" id="f-from"></label>
    <label>To <input type="date" id="f-to"></label>
    <label>Tool <select id="f-tool"><option value="">All tools</option></select></label>
    <label>Team <select id="f-team"><option value="">All teams</option></select></label>
    <button type="button" id="f-reset">Reset</button>
  </form>
</header>
<main>
  <p class="summary" id="f-summary"></p>
  <div class="no-data-banner">No data for the selected filters: widen the date range or clear the tool and team filters.</div>
  <div class="kpis">
    ${kpi("kpi-spend", "Spend in range")}
    ${kpi("kpi-mtd", "Month to date")}
    ${kpi("kpi-forecast", "Month-end forecast")}
    ${kpi("kpi-users", "Active users")}
    ${kpi("kpi-line", "Cost / accepted line")}
    ${kpi("kpi-idle", "Idle seat cost")}
    ${kpi("kpi-unattributed", "Unattributed")}
  </div>
  <div class="grid">
    ${panel("chart-spend-trend", "Daily spend by tool", "Stacked by tool, with the 7-day average. Red marks unusual days: spend more than 3.5 robust z-scores (median and median absolute deviation) from the same kind of day, weekday or weekend, in the 4 weeks before.", '<p class="note" id="trend-note"></p>', true)}
    ${panel("chart-budget", "Month to date vs budget", "Per cost center, as a share of its budget: spend so far and the month-end forecast at the current run-rate (vw_monthly_finance).", '<p class="note muted-note" id="budget-note"></p>')}
    ${panel("chart-teams", "Spend by team and cost center", "All cost in range, split by tool.")}
    ${panel("chart-top-spenders", "Top spenders", "The people with the most cost in the calendar months the range touches, whole months (unattributed cost excluded).")}
    ${panel("chart-seats", "Seat utilization", "Seats held vs seats used each day in range; idle seats had no use in the calendar months the range touches, whole months.", '<div class="stats" id="seat-stats"></div><p class="chips" id="idle-seats"></p>')}
    ${panel("chart-acceptance", "Acceptance rates", "Suggestions accepted / shown, and tool actions accepted / (accepted + rejected).")}
    ${panel("chart-lines", "Lines accepted and cost per accepted line", "Per tool: all cost of the tool in range divided by the accepted lines that cost pays for (a Claude Code plan user's lines are paid by the plan).", '<p class="note muted-note" id="lines-note"></p>')}
    ${panel("chart-models", "Model mix", "Usage spend by model and its share (seat fees excluded).")}
    <section class="panel table-panel" id="panel-monthly">
      <header><h2>Monthly summary</h2><p>Calendar months in range for the selected tool and team (vw_executive_summary, vw_monthly_finance). A complete month is compared with the previous complete month; the month under way by its month-end forecast at the run-rate (marked run-rate); a partial month with nothing. Changes above 20% are flagged.</p></header>
      <table><thead><tr><th>Month</th><th class="num">Spend</th><th class="num">vs previous month</th><th class="num">Forecast</th><th class="num">Days loaded</th></tr></thead><tbody id="monthly-table"></tbody></table>
      <div class="empty-state">No data for the selected filters.</div>
    </section>
    <section class="panel table-panel wide" id="panel-people">
      <header><h2 id="people-title">Productivity by person</h2><p>Latest month in range, from vw_productivity_metrics; tier is the quartile within the tool.</p></header>
      <table><thead><tr><th>Person</th><th>Tool</th><th>Team</th><th class="num">Active days</th><th class="num">Lines accepted</th><th class="num">Acceptance</th><th class="num">Cost / line</th><th>Tier</th></tr></thead><tbody id="people-table"></tbody></table>
      <div class="empty-state">No data for the selected filters.</div>
    </section>
    <section class="panel table-panel wide" id="panel-health">
      <header><h2>Data health</h2><p>Freshness of each stream, reconciliation against the vendors' bills, attribution and quarantine.</p></header>
      <div class="stats" id="health-stats"></div>
      <div class="health-grid">
        <table><thead><tr><th>Stream</th><th>Last success</th><th class="num">Age</th><th class="num">Records</th><th>Status</th></tr></thead><tbody id="freshness-table"></tbody></table>
        <div><h3>Checks</h3><ul class="checks" id="checks-list"></ul><h3>Quarantine</h3><ul class="checks" id="quarantine-list"><li class="muted">Nothing quarantined.</li></ul></div>
      </div>
    </section>
  </div>
</main>
<footer>Built from the Looker Studio views vw_executive_summary, vw_monthly_finance, vw_productivity_metrics and vw_cost_allocation, with fct_seats_daily for seats. All amounts in USD. Day panels follow the date range to the day; the per-person figures (active users, top spenders, idle seats, productivity) cover the calendar months it touches.</footer>
<script>${echarts}</script>
<script type="application/json" id="report-data">${scriptSafeJson(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}

const CSS = `
:root { --bg: #f4f5f8; --card: #fff; --ink: #0f172a; --muted: #64748b; --line: #e5e7eb; --accent: #4f46e5; --bad: #dc2626; --good: #059669; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 Inter, "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif; }
header.top { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; justify-content: space-between; padding: 18px 28px; background: #111827; color: #f8fafc; }
header.top h1 { margin: 0; font-size: 20px; font-weight: 650; letter-spacing: -0.01em; }
header.top p { margin: 2px 0 0; color: #94a3b8; font-size: 12.5px; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; }
.filters label { display: flex; flex-direction: column; font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: #94a3b8; gap: 4px; }
.filters input, .filters select { font: inherit; font-size: 13px; padding: 6px 8px; border-radius: 6px; border: 1px solid #374151; background: #1f2937; color: #f8fafc; min-width: 140px; color-scheme: dark; }
.filters button { font: inherit; font-size: 13px; padding: 7px 14px; border-radius: 6px; border: 1px solid #4b5563; background: transparent; color: #e5e7eb; cursor: pointer; }
.filters button:hover { background: #1f2937; }
main { padding: 18px 28px 8px; max-width: 1480px; margin: 0 auto; }
.summary { margin: 0 0 12px; color: var(--muted); font-size: 13px; }
.no-data-banner { display: none; padding: 12px 16px; margin-bottom: 14px; border-radius: 8px; background: #fff7ed; color: #9a3412; border: 1px solid #fed7aa; }
body.no-data .no-data-banner { display: block; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(148px, 1fr)); gap: 12px; margin-bottom: 14px; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; display: flex; flex-direction: column; gap: 2px; }
.kpi .label { font-size: 11.5px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.kpi .value { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.kpi .sub { font-size: 12px; color: var(--muted); }
.kpi[data-tone="bad"] .value { color: var(--bad); }
.kpi[data-tone="good"] .value { color: var(--ink); }
.grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 14px; }
.panel { position: relative; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; min-width: 0; }
.panel.wide { grid-column: 1 / -1; }
.panel header h2 { margin: 0; font-size: 14.5px; font-weight: 620; }
.panel header p { margin: 2px 0 8px; font-size: 12px; color: var(--muted); }
.panel .chart { height: 300px; }
.panel.wide .chart { height: 320px; }
.panel .note { position: absolute; top: 16px; right: 18px; margin: 0; font-size: 12px; color: var(--bad); }
.panel .note.muted-note { position: static; color: var(--muted); margin: -4px 0 2px; min-height: 16px; }
.empty-state { display: none; position: absolute; inset: 64px 16px 16px; align-items: center; justify-content: center; color: var(--muted); background: rgba(255,255,255,.85); border: 1px dashed var(--line); border-radius: 8px; }
.panel.is-empty .empty-state { display: flex; }
.chart-box { position: relative; }
.chart-box .empty-state { inset: 0; }
.stats { display: flex; flex-wrap: wrap; gap: 18px; margin: 2px 0 6px; }
.stats div { display: flex; flex-direction: column; }
.stats b { font-size: 16px; font-variant-numeric: tabular-nums; }
.stats span { font-size: 11.5px; color: var(--muted); }
.stats .warn b { color: var(--bad); }
.chips { margin: 4px 0 0; font-size: 12px; color: var(--muted); }
.chip { display: inline-block; margin: 2px 2px 0 0; padding: 1px 8px; border-radius: 999px; background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; }
table { width: 100%; border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th { text-align: left; font-weight: 600; font-size: 11.5px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); border-bottom: 1px solid var(--line); padding: 6px 8px; }
td { border-bottom: 1px solid #f1f5f9; padding: 6px 8px; }
.num { text-align: right; }
td.alert { color: var(--bad); font-weight: 600; }
.table-panel { min-height: 140px; }
.tier { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 11.5px; background: #f1f5f9; color: #334155; }
.tier-top { background: #eef2ff; color: #3730a3; } .tier-high { background: #ecfdf5; color: #065f46; } .tier-low { background: #fef2f2; color: #991b1b; }
.badge { display: inline-block; min-width: 56px; text-align: center; padding: 0 8px; border-radius: 999px; font-size: 11.5px; font-weight: 600; }
.badge.ok { background: #ecfdf5; color: #047857; } .badge.bad { background: #fef2f2; color: #b91c1c; } .badge.none { background: #f1f5f9; color: #475569; }
.health-grid { display: grid; grid-template-columns: 3fr 2fr; gap: 20px; }
.health-grid h3 { margin: 0 0 6px; font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.checks { list-style: none; margin: 0 0 14px; padding: 0; font-size: 13px; }
.checks li { padding: 4px 0; border-bottom: 1px solid #f1f5f9; }
.checks code { font-size: 11px; color: var(--muted); }
.muted { color: var(--muted); }
footer { padding: 8px 28px 24px; color: var(--muted); font-size: 12px; max-width: 1480px; margin: 0 auto; }
@media (max-width: 900px) { .grid, .health-grid { grid-template-columns: 1fr; } }
`;
