// Reads what the dashboard shows from a DuckDB warehouse, read-only: the four Looker Studio views, so the dashboard
// shows Looker Studio's figures (spend, month over month, forecasts, budgets, cost per accepted line come from the
// views' SQL, never recomputed here); fct_seats_daily for seats, which no view carries; dim_users for names; the raw
// and assertion datasets for data health.
import { existsSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { datasetNames } from "../loaders/core/config.ts";
import { openDuckDbFile } from "../loaders/core/duckdb-file.ts";

type Cell = string | number | boolean | null;

/** Column-oriented table: `columns` names, `rows` as arrays; repeated strings are indexes into `dict`. */
export interface Table {
  columns: string[];
  rows: Cell[][];
}

export interface ReportData {
  generatedAt: string;
  dataset: string;
  /** Strings referenced by index from the fact tables (dates, teams, people, tools, models). */
  dict: string[];
  /** vw_cost_allocation per day x cost center x team x person x tool x model. */
  costs: Table;
  /** vw_cost_allocation's usage counters per day x tool x team x person (people only). */
  usage: Table;
  /** fct_seats_daily, seats held only. */
  seats: Table;
  /** vw_monthly_finance: month x cost center x team x tool (roll-ups included), spend, budget, forecast, month over month. */
  finance: Table;
  /** vw_productivity_metrics, person x month x tool. */
  productivity: Table;
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
    const dict = new Dictionary();
    const d = `"${dataset}"`;
    const raw = `"${names.raw}"`;

    const costs = await table(conn, dict, ["date", "cost_center", "team", "person", "tool", "model"], `
      SELECT CAST(activity_date AS VARCHAR) AS date, cost_center, team, person_id AS person, tool, COALESCE(model, '(no model)') AS model,
        ROUND(CAST(SUM(cost_usd) AS DOUBLE), 6) AS cost, ROUND(CAST(SUM(seat_usd) AS DOUBLE), 6) AS seat,
        CAST(SUM(total_tokens) AS DOUBLE) AS tokens, CAST(COALESCE(SUM(lines_accepted), 0) AS DOUBLE) AS lines_accepted,
        BOOL_OR(is_unmapped_person) AS unmapped, BOOL_OR(is_unattributed) AS unattributed
      FROM ${d}.vw_cost_allocation GROUP BY ALL ORDER BY date`);

    const usage = await table(conn, dict, ["date", "team", "person", "tool"], `
      SELECT CAST(activity_date AS VARCHAR) AS date, team, person_id AS person, tool,
        CAST(COALESCE(SUM(lines_added), 0) AS DOUBLE) AS lines_added, CAST(COALESCE(SUM(lines_accepted), 0) AS DOUBLE) AS lines_accepted,
        CAST(COALESCE(SUM(billed_lines_accepted), 0) AS DOUBLE) AS billed_lines_accepted,
        CAST(COALESCE(SUM(suggestions_shown), 0) AS DOUBLE) AS suggestions_shown, CAST(COALESCE(SUM(suggestions_accepted), 0) AS DOUBLE) AS suggestions_accepted,
        CAST(COALESCE(SUM(tool_accepts), 0) AS DOUBLE) AS tool_accepts, CAST(COALESCE(SUM(tool_rejects), 0) AS DOUBLE) AS tool_rejects,
        CAST(COALESCE(SUM(sessions), 0) AS DOUBLE) AS sessions, CAST(COALESCE(SUM(pull_requests), 0) AS DOUBLE) AS pull_requests,
        BOOL_OR(is_active) AS active
      FROM ${d}.vw_cost_allocation WHERE NOT is_unattributed GROUP BY ALL ORDER BY date`);

    const seats = await table(conn, dict, ["date", "team", "person", "tool"], `
      SELECT CAST(seat_date AS VARCHAR) AS date, team, person_id AS person, tool, is_active AS active,
        ROUND(CAST(seat_cost_usd AS DOUBLE), 6) AS seat_cost
      FROM ${d}.fct_seats_daily WHERE seat_held ORDER BY date`);

    const finance = await table(conn, dict, ["cost_center", "team", "tool"], `
      SELECT strftime(month, '%Y-%m') AS month, cost_center, team, tool, CAST(spend_usd AS DOUBLE) AS spend, CAST(budget_usd AS DOUBLE) AS budget,
        CAST(month_end_forecast_usd AS DOUBLE) AS forecast, mom_change_pct AS mom, mom_basis, is_mom_alert,
        CAST(days_with_data AS INTEGER) AS days_with_data, CAST(days_in_month AS INTEGER) AS days_in_month, is_month_to_date
      FROM ${d}.vw_monthly_finance ORDER BY month, cost_center, team, tool`);

    const productivity = await table(conn, dict, ["team", "person", "tool"], `
      SELECT strftime(month, '%Y-%m') AS month, tool, person_id AS person, team, CAST(active_days AS INTEGER) AS active_days, CAST(lines_accepted AS DOUBLE) AS lines_accepted,
        suggestion_acceptance_rate, tool_acceptance_rate, CAST(cost_usd AS DOUBLE) AS cost, cost_per_accepted_line_usd AS cost_per_line, tier
      FROM ${d}.vw_productivity_metrics ORDER BY month, tool, person`);

    const executive = await table(conn, dict, [], `
      SELECT strftime(month, '%Y-%m') AS month, tool, CAST(spend_usd AS DOUBLE) AS spend, CAST(active_users AS INTEGER) AS active_users,
        mom_change_pct AS mom, mom_basis, is_mom_alert, CAST(month_end_forecast_usd AS DOUBLE) AS forecast,
        CAST(days_with_data AS INTEGER) AS days_with_data, CAST(days_in_month AS INTEGER) AS days_in_month, is_month_to_date,
        CAST(cost_per_accepted_line_usd AS DOUBLE) AS cost_per_line, accepted_line_tools
      FROM ${d}.vw_executive_summary ORDER BY month, tool`);

    const people = Object.fromEntries(
      (await rows(conn, `SELECT person_id, ANY_VALUE(name) AS name FROM ${d}.dim_users WHERE name IS NOT NULL AND name != '' GROUP BY person_id`)).map(
        (r) => [String(r.person_id), String(r.name)],
      ),
    );

    return {
      generatedAt: (opts.now ?? new Date()).toISOString(),
      dataset,
      dict: dict.values,
      costs,
      usage,
      seats,
      finance,
      productivity,
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

/** Runs `sql` and returns it column-oriented, with the `coded` columns' strings replaced by dictionary indexes. */
async function table(conn: DuckDBConnection, dict: Dictionary, coded: string[], sql: string): Promise<Table> {
  const reader = await conn.runAndReadAll(sql);
  const columns = reader.columnNames();
  const codedAt = new Set(coded.map((c) => columns.indexOf(c)));
  // Queries cast every number to DOUBLE or INTEGER, which JSON keeps as numbers (BIGINT would become text).
  const out = (reader.getRowsJson() as Cell[][]).map((row) => row.map((v, i) => (codedAt.has(i) ? dict.code(String(v)) : v)));
  return { columns, rows: out };
}

class Dictionary {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  code(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }
}
