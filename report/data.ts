// Reads what the dashboard shows from a DuckDB warehouse, read-only: the four Looker Studio views, so the dashboard
// shows Looker Studio's figures (spend, month over month, forecasts and budgets come from the views' SQL, never
// recomputed here; cost per accepted line is the page's sum of cost over billed_lines_accepted for its filters); fct_seats_daily for seats, which no view carries; dim_users for names; the raw
// and assertion datasets for data health.
import { existsSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { datasetNames } from "../loaders/core/config.ts";
import { openDuckDbFile } from "../loaders/core/duckdb-file.ts";

type Cell = string | number | boolean | null;

/** Column-oriented table: `values[i]` holds column `columns[i]` top to bottom, `rows` entries each. A column named in
 * `strings` holds indexes into its own list of strings (dates, teams, people...), or null, so a repeated string costs a few
 * digits. */
export interface Table {
  columns: string[];
  strings: Record<string, string[]>;
  values: Cell[][];
  rows: number;
}

/** How many people per month, tool and team the productivity table keeps: the page shows the top this many of any
 * selection, and the top N of a union of groups is always among the groups' own top N. */
export const PRODUCTIVITY_TOP = 12;

/** What the page embeds: each panel's grain, never one row per person and day, so the file's size follows days x
 * tools x teams and months x people, not people x days (docs/looker-studio.md, "The local dashboard"). */
export interface ReportData {
  generatedAt: string;
  dataset: string;
  /** vw_cost_allocation per day x tool x team x cost center: cost (seat fees included), unattributed and unmapped cost, usage counters. */
  days: Table;
  /** vw_cost_allocation per day x tool x team x model: usage spend (seat fees excluded), where there is some. */
  models: Table;
  /** fct_seats_daily per day x tool x team: seats held, seats active, seat cost, seat cost of the days unused. */
  seats: Table;
  /** Per month x person x tool x team (unattributed excluded): vw_cost_allocation's cost and active days, fct_seats_daily's seat days. */
  personMonths: Table;
  /** vw_productivity_metrics, the top PRODUCTIVITY_TOP people per month x tool x team by lines accepted. */
  productivity: Table;
  /** vw_productivity_metrics' row count per month x tool x team, for "top N of M". */
  productivityGroups: Table;
  productivityTop: number;
  /** vw_monthly_finance: month x cost center x team x tool (roll-ups included), spend, budget, forecast, month over month. */
  finance: Table;
  /** vw_executive_summary, month x tool (and 'all'). */
  executive: Table;
  people: Record<string, string>;
  health: {
    /** `stale` comes from the assert_raw_freshness view when it was built, else null (the page compares ages). */
    streams: Array<{ source: string; stream: string; lastSucceededAt: string | null; lastStatus: string; lastError: string | null; records: number; stale: boolean | null }>;
    checks: Array<{ name: string; description: string; failingRows: number | null }>;
    quarantine: Array<{ source: string; stream: string; reason: string; records: number }>;
    freshnessMaxHours: number;
  };
}

const VIEWS = ["vw_executive_summary", "vw_monthly_finance", "vw_productivity_metrics", "vw_cost_allocation"] as const;
const MARTS = ["fct_seats_daily", "dim_users"] as const;

const CHECKS: Array<[string, string]> = [
  ["assert_reconcile_anthropic_cost", "Anthropic cost = cost report, per day and tool"],
  ["assert_reconcile_cursor_cost", "Cursor cost = usage events' chargedCents, per day"],
  ["assert_cursor_spend_snapshot", "Cursor spend snapshot within tolerance"],
  ["assert_raw_freshness", "Every stream loaded within the freshness window"],
];


export async function readReportData(opts: { warehousePath: string; dataset: string; freshnessMaxHours?: number; now?: Date }): Promise<ReportData> {
  const { warehousePath, dataset } = opts;
  const names = datasetNames(dataset);
  if (!existsSync(warehousePath)) {
    throw new Error(`warehouse ${warehousePath} does not exist: load data and build the models first (npm start)`);
  }
  const db = await openDuckDbFile(warehousePath, { readOnly: true });
  const conn = db.connection;
  try {
    await conn.run("SET TimeZone = 'UTC'");
    const present = new Set(
      (await rows(conn, "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables")).map((r) => String(r.name)),
    );
    const missing = [...VIEWS, ...MARTS].filter((name) => !present.has(`${dataset}.${name}`));
    if (missing.length > 0) {
      throw new Error(
        `warehouse ${warehousePath} has no ${missing.map((m) => `${dataset}.${m}`).join(", ")}: build the models first (npm run models -- run)`,
      );
    }
    const d = `"${dataset}"`;
    const raw = `"${names.raw}"`;

    // Money is summed exactly in the views' NUMERIC and rounded once per row, to 6 decimals: per day and tool the page
    // adds at most a few dozen rows, far from moving a cent.
    const usd = (sql: string) => `ROUND(CAST(COALESCE(${sql}, 0) AS DOUBLE), 6)`;
    const counter = (sql: string) => `CAST(COALESCE(SUM(${sql}), 0) AS DOUBLE)`;
    // Each panel's query evaluates its view again: holding the two views in temp tables instead was measured slower
    // and larger at 300 people x 365 days (6.6 s and 520 MB of peak RSS against 5.7 s and 373-419 MB), the view
    // being at nearly the grain the panels read.
    const days = await table(conn, ["date", "tool", "team", "cost_center"], `
      SELECT CAST(activity_date AS VARCHAR) AS date, tool, team, cost_center,
        ${usd("SUM(cost_usd)")} AS cost,
        ${usd("SUM(cost_usd) FILTER (WHERE is_unattributed)")} AS unattributed_cost,
        ${usd("SUM(cost_usd) FILTER (WHERE is_unmapped_person AND NOT is_unattributed)")} AS unmapped_cost,
        ${counter("lines_accepted")} AS lines_accepted, ${counter("billed_lines_accepted")} AS billed_lines_accepted,
        ${counter("suggestions_shown")} AS suggestions_shown, ${counter("suggestions_accepted")} AS suggestions_accepted,
        ${counter("tool_accepts")} AS tool_accepts, ${counter("tool_rejects")} AS tool_rejects
      FROM ${d}.vw_cost_allocation GROUP BY ALL ORDER BY date, tool, team, cost_center`);

    const models = await table(conn, ["date", "tool", "team", "model"], `
      SELECT CAST(activity_date AS VARCHAR) AS date, tool, team, COALESCE(model, '(no model)') AS model, ${usd("SUM(cost_usd - seat_usd)")} AS usage_cost
      FROM ${d}.vw_cost_allocation GROUP BY ALL HAVING SUM(cost_usd - seat_usd) > 0.000001 ORDER BY date, tool, team, model`);

    const seats = await table(conn, ["date", "tool", "team"], `
      SELECT CAST(seat_date AS VARCHAR) AS date, tool, team, CAST(COUNT(*) AS INTEGER) AS held, CAST(COUNT(*) FILTER (WHERE is_active) AS INTEGER) AS active,
        ${usd("SUM(seat_cost_usd)")} AS seat_cost, ${usd("SUM(seat_cost_usd) FILTER (WHERE NOT is_active)")} AS unused_cost
      FROM ${d}.fct_seats_daily WHERE seat_held GROUP BY ALL ORDER BY date, tool, team`);

    const personMonths = await table(conn, ["month", "person", "tool", "team"], `
      WITH costs AS (
        SELECT strftime(activity_date, '%Y-%m') AS month, person_id AS person, tool, team, SUM(cost_usd) AS cost,
          COUNT(DISTINCT activity_date) FILTER (WHERE is_active) AS active_days
        FROM ${d}.vw_cost_allocation WHERE NOT is_unattributed GROUP BY ALL
      ),
      seats AS (
        SELECT strftime(seat_date, '%Y-%m') AS month, person_id AS person, tool, team, SUM(seat_cost_usd) AS seat_cost,
          COUNT(*) AS seat_days, COUNT(*) FILTER (WHERE is_active) AS seat_active_days
        FROM ${d}.fct_seats_daily WHERE seat_held GROUP BY ALL
      )
      SELECT month, person, tool, team, ${usd("cost")} AS cost, CAST(COALESCE(active_days, 0) AS INTEGER) AS active_days,
        CAST(COALESCE(seat_days, 0) AS INTEGER) AS seat_days, CAST(COALESCE(seat_active_days, 0) AS INTEGER) AS seat_active_days, ${usd("seat_cost")} AS seat_cost
      FROM costs FULL OUTER JOIN seats USING (month, person, tool, team) ORDER BY month, tool, team, person`);

    const finance = await table(conn, ["month", "cost_center", "team", "tool", "mom_basis"], `
      SELECT strftime(month, '%Y-%m') AS month, cost_center, team, tool, CAST(spend_usd AS DOUBLE) AS spend, CAST(budget_usd AS DOUBLE) AS budget,
        CAST(month_end_forecast_usd AS DOUBLE) AS forecast, mom_change_pct AS mom, mom_basis, is_mom_alert,
        CAST(days_with_data AS INTEGER) AS days_with_data, CAST(days_in_month AS INTEGER) AS days_in_month, is_month_to_date
      FROM ${d}.vw_monthly_finance ORDER BY month, cost_center, team, tool`);

    // The productivity table's order, which the page repeats: lines accepted, then active days, then person.
    const productivity = await table(conn, ["month", "tool", "person", "team", "tier"], `
      WITH ranked AS (
        SELECT strftime(month, '%Y-%m') AS month, tool, person_id AS person, team, CAST(active_days AS INTEGER) AS active_days,
          CAST(COALESCE(lines_accepted, 0) AS DOUBLE) AS lines_accepted,
          ROUND(suggestion_acceptance_rate, 4) AS suggestion_acceptance_rate, ROUND(tool_acceptance_rate, 4) AS tool_acceptance_rate,
          ROUND(CAST(cost_usd AS DOUBLE), 6) AS cost, ROUND(CAST(cost_per_accepted_line_usd AS DOUBLE), 6) AS cost_per_line, tier,
          ROW_NUMBER() OVER (PARTITION BY month, tool, team ORDER BY COALESCE(lines_accepted, 0) DESC, active_days DESC, person_id) AS rank_in_group
        FROM ${d}.vw_productivity_metrics
      )
      SELECT * EXCLUDE (rank_in_group) FROM ranked WHERE rank_in_group <= ${PRODUCTIVITY_TOP} ORDER BY month, tool, team, rank_in_group`);

    const productivityGroups = await table(conn, ["month", "tool", "team"], `
      SELECT strftime(month, '%Y-%m') AS month, tool, team, CAST(COUNT(*) AS INTEGER) AS people
      FROM ${d}.vw_productivity_metrics GROUP BY ALL ORDER BY month, tool, team`);

    const executive = await table(conn, ["month", "tool", "mom_basis"], `
      SELECT strftime(month, '%Y-%m') AS month, tool, CAST(spend_usd AS DOUBLE) AS spend, CAST(active_users AS INTEGER) AS active_users,
        mom_change_pct AS mom, mom_basis, is_mom_alert, CAST(month_end_forecast_usd AS DOUBLE) AS forecast,
        CAST(days_with_data AS INTEGER) AS days_with_data, CAST(days_in_month AS INTEGER) AS days_in_month, is_month_to_date
      FROM ${d}.vw_executive_summary ORDER BY month, tool`);

    const people = Object.fromEntries(
      (await rows(conn, `SELECT person_id, ANY_VALUE(name) AS name FROM ${d}.dim_users WHERE name IS NOT NULL AND name != '' GROUP BY person_id`)).map(
        (r) => [String(r.person_id), String(r.name)],
      ),
    );

    return {
      generatedAt: (opts.now ?? new Date()).toISOString(),
      dataset,
      days,
      models,
      seats,
      personMonths,
      productivity,
      productivityGroups,
      productivityTop: PRODUCTIVITY_TOP,
      finance,
      executive,
      people,
      health: await health(conn, present, dataset, raw, opts.freshnessMaxHours ?? 36),
    };
  } finally {
    db.close();
  }
}

async function health(conn: DuckDBConnection, present: Set<string>, dataset: string, raw: string, freshnessMaxHours: number): Promise<ReportData["health"]> {
  const names = datasetNames(dataset);
  const freshnessView = `${names.assertions}.assert_raw_freshness`;
  const staleStreams = present.has(freshnessView)
    ? new Set((await rows(conn, `SELECT source || '.' || stream AS name FROM "${names.assertions}".assert_raw_freshness`)).map((r) => String(r.name)))
    : null;
  const streams = present.has(`${names.raw}.raw_load_runs`)
    ? (
        await rows(conn, `
          SELECT source, stream,
            CAST(MAX(finished_at) FILTER (WHERE status = 'succeeded') AS VARCHAR) AS last_ok,
            ARG_MAX(status, started_at) AS last_status, ARG_MAX(error, started_at) AS last_error,
            CAST(ARG_MAX(records, started_at) AS DOUBLE) AS records
          FROM ${raw}.raw_load_runs GROUP BY source, stream ORDER BY source, stream`)
      ).map((r) => ({
        source: String(r.source),
        stream: String(r.stream),
        lastSucceededAt: r.last_ok === null ? null : `${String(r.last_ok).replace(" ", "T")}Z`,
        lastStatus: String(r.last_status),
        lastError: r.last_error === null ? null : String(r.last_error),
        records: Number(r.records ?? 0),
        stale: staleStreams === null ? null : staleStreams.has(`${String(r.source)}.${String(r.stream)}`),
      }))
    : [];
  const checks: ReportData["health"]["checks"] = [];
  for (const [name, description] of CHECKS) {
    const view = `${names.assertions}.${name}`;
    // An assertion that was not built says nothing; null shows "not run" rather than a false pass.
    const failingRows = present.has(view) ? Number((await rows(conn, `SELECT COUNT(*) AS n FROM "${names.assertions}"."${name}"`))[0]?.n ?? 0) : null;
    checks.push({ name, description, failingRows });
  }
  const quarantine = present.has(`${names.raw}.raw_quarantine`)
    ? (await rows(conn, `SELECT source, stream, reason, COUNT(*) AS n FROM ${raw}.raw_quarantine GROUP BY ALL ORDER BY n DESC LIMIT 50`)).map((r) => ({
        source: String(r.source),
        stream: String(r.stream),
        reason: String(r.reason),
        records: Number(r.n),
      }))
    : [];
  return { streams, checks, quarantine, freshnessMaxHours };
}

async function rows(conn: DuckDBConnection, sql: string): Promise<Record<string, Cell>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, Cell>[];
}

/** Runs `sql` and returns it column-oriented, the `coded` columns' strings replaced by indexes into their own lists. */
async function table(conn: DuckDBConnection, coded: string[], sql: string): Promise<Table> {
  const reader = await conn.runAndReadAll(sql);
  const columns = reader.columnNames();
  const strings: Table["strings"] = {};
  // Queries cast every number to DOUBLE or INTEGER, which JSON keeps as numbers (BIGINT would become text).
  const values = (reader.getColumnsJson() as Cell[][]).map((column, i) => {
    const name = columns[i]!;
    if (!coded.includes(name)) return column;
    const index = new Map<string, number>();
    const list: string[] = (strings[name] = []);
    return column.map((v) => {
      if (v === null) return null;
      const s = String(v);
      let code = index.get(s);
      if (code === undefined) index.set(s, (code = list.push(s) - 1));
      return code;
    });
  });
  return { columns, strings, values, rows: reader.currentRowCount };
}
