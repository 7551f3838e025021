// SQL snippets shared by the models. Each returns GoogleSQL text that also translates to DuckDB.

/** A scalar from the raw `record` JSON as a string. path is a JSONPath without "$." e.g. "cache_creation.x". */
function str(path, column = "record") {
  return `JSON_VALUE(${column}, '$.${path}')`;
}

/** A JSON scalar cast to a type; values that do not parse become NULL (the loaders validated the shape). */
function cast(path, type, column = "record") {
  return `SAFE_CAST(${str(path, column)} AS ${type})`;
}

const int = (path, column) => cast(path, "INT64", column);
const num = (path, column) => cast(path, "NUMERIC", column);
const bool = (path, column) => cast(path, "BOOL", column);

/** Cents -> USD keeping an exact NUMERIC (plain division would give FLOAT64 on some engines, e.g. DuckDB). */
function centsToUsd(expr) {
  return `CAST(${expr} * CAST('0.01' AS NUMERIC) AS NUMERIC)`;
}

/** Emails join across vendors only after trim + lowercase. */
/** A mapping amount typed by people ("2600", "2,600.00", "$40") as NUMERIC USD; NULL when not a number. */
function usdAmount(path) {
  return `SAFE_CAST(REGEXP_REPLACE(TRIM(${str(path)}), '[$,]', '') AS NUMERIC)`;
}

function email(expr) {
  return `NULLIF(LOWER(TRIM(${expr})), '')`;
}

/**
 * The raw rows of each window's latest complete fetch (stg_loads__fetched_windows.is_latest): every record of that
 * fetch and nothing from older fetches of the window, so a record missing from the latest fetch is gone and no record
 * needs an identity. `ref` is the model's ref(); a filter on window_date reaches the raw scan through the join.
 */
function latestFetch(ref, source, stream) {
  return `SELECT r.*
  FROM ${ref(constants.RAW_DATASET, `raw_${source}_${stream}`)} AS r
  JOIN ${ref("stg_loads__fetched_windows")} AS f ON f.window_date = r.window_date AND f.run_id = r.run_id
  WHERE f.source = '${source}' AND f.stream = '${stream}' AND f.is_latest`;
}

/** A NULL-safe join key for nullable ids (Default Workspace, Console usage). */
function nullKey(expr) {
  return `COALESCE(${expr}, '(null)')`;
}

/** Stable text key of a row from its grain columns; NULLs stay distinct from any real value. */
function rowKey(exprs) {
  return `CONCAT(${exprs.map((e) => `COALESCE(CAST(${e} AS STRING), '(null)')`).join(", '|', ")})`;
}

/** The day `dateExpr` falls in the validity interval of `alias` (valid_from inclusive, valid_to exclusive, NULL = open). */
function inInterval(dateExpr, alias) {
  return `${dateExpr} >= ${alias}.valid_from AND (${alias}.valid_to IS NULL OR ${dateExpr} < ${alias}.valid_to)`;
}

/** The person's team on the day of use: a dim_users interval of the person contains the date. */
function teamAtDate(usersAlias, factAlias, dateColumn) {
  return `${usersAlias}.person_id = ${factAlias}.person_id AND ${inInterval(`${factAlias}.${dateColumn}`, usersAlias)}`;
}

/**
 * Gaps and islands: rows of `from` (columns `keys`, valid_from, `attributes`) that follow each other in time merged
 * into intervals while the attributes stay equal; valid_to is the next interval's valid_from (NULL = current).
 */
function mergedIntervals(from, keys, attributes) {
  const k = keys.join(", ");
  const signature = rowKey(attributes);
  return `SELECT ${k}, valid_from, LEAD(valid_from) OVER (PARTITION BY ${k} ORDER BY valid_from) AS valid_to, ${attributes.join(", ")}
  FROM (
    SELECT ${k}, MIN(valid_from) AS valid_from, ${attributes.map((a) => `ANY_VALUE(${a}) AS ${a}`).join(", ")}
    FROM (
      SELECT *, COUNTIF(starts_interval) OVER (PARTITION BY ${k} ORDER BY valid_from ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS interval_number
      FROM (
        SELECT *, COALESCE(LAG(${signature}) OVER (PARTITION BY ${k} ORDER BY valid_from) != ${signature}, TRUE) AS starts_interval
        FROM ${from}
      ) AS marked
    ) AS numbered
    GROUP BY ${k}, interval_number
  ) AS merged`;
}

/**
 * The usage rows (alias `u`, int_anthropic__usage_by_token_type) a cost line (alias `l`, with `measure`) is billed
 * for: same day and workspace (NULL = Default), the line's measure, and the model, tier and context window the line
 * names (a dimension it leaves NULL matches any). Usage of a tier the cost report does not bill (Priority Tier...)
 * matches no line.
 */
function usageOfCostLine(u, l) {
  return `${u}.usage_date = ${l}.cost_date
    AND ${nullKey(`${u}.workspace_id`)} = ${nullKey(`${l}.workspace_id`)}
    AND ${u}.token_type = ${l}.measure
    AND (${l}.model IS NULL OR ${u}.model = ${l}.model)
    AND COALESCE(${u}.service_tier, 'standard') IN (${sqlList(constants.BILLED_SERVICE_TIERS)})
    AND (${l}.service_tier IS NULL OR COALESCE(${u}.service_tier, 'standard') = ${l}.service_tier)
    AND (${l}.context_window IS NULL OR COALESCE(${u}.context_window, '0-200k') = ${l}.context_window)`;
}

/** The usage measure a cost line is allocated by: its token type, web search requests, else none (NULL). */
function costLineMeasure(l) {
  return `CASE WHEN ${l}.token_type IS NOT NULL THEN ${l}.token_type WHEN ${l}.cost_type = 'web_search' THEN 'web_search_requests' END`;
}

/**
 * Month-over-month and forecast columns, the same for every view (docs/models.md, "Months"). `spend` is a CTE of
 * (month, ...keys, tool, spend_usd) whose tool is a real tool or the roll-up 'all'; `coverage` is
 * int_cost__month_coverage. Returns CTEs ending in `month_over_month` (month, keys, tool, the comparison columns):
 * - a month is complete when every day of it has a complete fetch of the tool's money stream ('all': of every
 *   tool's); the month under way (the latest, covered from its first day) is month to date;
 * - its run-rate is spend per covered day, and its month-end forecast spend + run-rate x the days left ('all': the
 *   sums over the tools); any other month's forecast is its spend;
 * - month over month compares a complete month with the previous calendar month when that one is complete, and the
 *   month under way by its forecast against the previous month (mom_basis says which); other months compare to
 *   nothing.
 */
function monthOverMonth({ spend, coverage, keys = [] }) {
  const on = (a, b) => [...keys, "tool"].map((k) => `${a}.${k} = ${b}.${k}`).join(" AND ");
  const partition = ["month", ...keys].join(", ");
  const keyList = keys.map((k) => `${k}, `).join("");
  return `mom_covered AS (
  SELECT
    s.month, ${keys.map((k) => `s.${k}, `).join("")}s.tool, s.spend_usd,
    c.days_in_month, c.days_with_data, COALESCE(c.is_complete_month, FALSE) AS is_complete_month,
    COALESCE(c.is_month_to_date, FALSE) AS is_month_to_date,
    -- money stays NUMERIC (rounded to 1e-9 USD): sums of it are exact, in any order
    CAST(ROUND(SAFE_DIVIDE(s.spend_usd, c.days_with_data), 9) AS NUMERIC) AS own_run_rate_usd_per_day
  FROM ${spend} AS s
  LEFT JOIN ${coverage} AS c ON c.month = s.month AND c.tool = s.tool
),

mom_forecast AS (
  SELECT
    *,
    IF(is_month_to_date, spend_usd + own_run_rate_usd_per_day * (days_in_month - days_with_data), spend_usd) AS own_forecast_usd
  FROM mom_covered
),

mom_rolled AS (
  -- the 'all' row takes the sums of its tools' run-rates and forecasts (each tool on its own coverage)
  SELECT
    *,
    IF(tool = 'all', SUM(IF(tool = 'all', 0, own_run_rate_usd_per_day)) OVER (PARTITION BY ${partition}), own_run_rate_usd_per_day) AS run_rate_usd_per_day,
    IF(tool = 'all', SUM(IF(tool = 'all', 0, own_forecast_usd)) OVER (PARTITION BY ${partition}), own_forecast_usd) AS month_end_forecast_usd
  FROM mom_forecast
),

mom_previous AS (
  -- the previous calendar month, when it is complete
  SELECT c.*, p.spend_usd AS prev_month_spend_usd
  FROM mom_rolled AS c
  LEFT JOIN mom_rolled AS p ON ${on("p", "c")} AND p.month = DATE_SUB(c.month, INTERVAL 1 MONTH) AND p.is_complete_month
),

month_over_month AS (
  SELECT
    month,
    ${keyList}tool,
    days_in_month,
    days_with_data,
    is_complete_month,
    is_month_to_date,
    run_rate_usd_per_day,
    month_end_forecast_usd,
    prev_month_spend_usd,
    CASE
      WHEN is_complete_month THEN SAFE_DIVIDE(spend_usd - prev_month_spend_usd, prev_month_spend_usd)
      WHEN is_month_to_date THEN SAFE_DIVIDE(month_end_forecast_usd - prev_month_spend_usd, prev_month_spend_usd)
    END AS mom_change_pct,
    CASE
      WHEN prev_month_spend_usd IS NULL OR prev_month_spend_usd = 0 THEN CAST(NULL AS STRING)
      WHEN is_complete_month THEN 'complete month vs previous month'
      WHEN is_month_to_date THEN 'month to date at run-rate (forecast) vs previous month'
    END AS mom_basis
  FROM mom_previous
)`;
}

/** `'a', 'b'` for an IN list. */
/** A Cursor member who holds a paid seat: not removed, and not in a role that holds none (constants.UNPAID_SEAT_ROLES). */
function holdsPaidSeat(alias) {
  return `NOT ${alias}.is_removed AND COALESCE(LOWER(${alias}.role), '') NOT IN (${sqlList(constants.UNPAID_SEAT_ROLES)})`;
}

function sqlList(values) {
  return values.map((v) => `'${v}'`).join(", ");
}

/** SQL literal of a stream name list compared with CONCAT(source, '.', stream). */
function isStreamIn(streams, sourceCol = "source", streamCol = "stream") {
  return `CONCAT(${sourceCol}, '.', ${streamCol}) IN (${sqlList(streams)})`;
}

/** Fails the compilation when `table` is not listed in CHANGE_DRIVEN_TABLES (its changed days would never be listed). */
function changeDrivenTable(table) {
  if (!constants.CHANGE_DRIVEN_TABLES.includes(table)) {
    throw new Error(`${table} is not in constants.CHANGE_DRIVEN_TABLES: add it there, or its changed days are never listed`);
  }
}

/**
 * Pre-operations of a change-driven table (docs/models.md, "How a changed day is detected and replaced"); `ctx` holds
 * the model's ref, self and incremental; `table` is its name in CHANGE_DRIVEN_TABLES (not ctx.name(), which carries
 * a workspace's table prefix while build_log and int_builds__changed_days use the bare name). Declares build_through, the highest load run this build incorporates
 * (recorded in the build log afterwards). Built incrementally, it also declares changed_days, the days whose inputs
 * changed since the table's last build (int_builds__changed_days), and deletes them inside a transaction that the
 * post-operations commit after the insert: the days are replaced whole or not at all. `fromEarliestChange`: every
 * day from the earliest changed one on (running values like days_since_last_active depend on all earlier days).
 * `carryFrom`: a query of the days the table has rows on (column `day`); declares carried_days, the latest of them
 * before the replaced days (none on a first build), whose rows a running value carries on from: the build does not
 * change them, and a scan filtered by the variable reads that one partition.
 */
function changedDaysPreOps(ctx, { table, dateColumn, fromEarliestChange = false, carryFrom }) {
  changeDrivenTable(table);
  const buildThrough = `DECLARE build_through STRING DEFAULT (SELECT MAX(run_id) FROM ${ctx.ref("stg_loads__fetched_windows")});`;
  if (!ctx.incremental()) return buildThrough;
  const changed = ctx.ref("int_builds__changed_days");
  const earliest = `(SELECT MIN(day) FROM ${changed} WHERE table_name = '${table}' AND is_changed)`;
  return `${buildThrough}
DECLARE changed_days ARRAY<DATE> DEFAULT (
  SELECT ARRAY_AGG(day ORDER BY day) FROM ${changed}
  WHERE table_name = '${table}' AND ${fromEarliestChange ? `day >= ${earliest}` : "is_changed"}
);${carryFrom ? `
DECLARE carried_days ARRAY<DATE> DEFAULT (
  SELECT ARRAY_AGG(day) FROM (
    SELECT MAX(day) AS day FROM (${carryFrom}) AS table_days
    WHERE day < (SELECT MIN(changed_day) FROM UNNEST(changed_days) AS changed_day)
  ) AS latest WHERE day IS NOT NULL
);` : ""}
BEGIN TRANSACTION;
DELETE FROM ${ctx.self()} WHERE ${dateColumn} IN UNNEST(changed_days);`;
}

/** The condition a change-driven table's inputs are read with: the changed days when built incrementally. */
function isChangedDay(ctx, dateColumn) {
  return ctx.incremental() ? `${dateColumn} IN UNNEST(changed_days)` : "TRUE";
}

/** A change-driven table's query keeps only the changed days when built incrementally. */
function changedDaysFilter(ctx, dateColumn) {
  return ctx.incremental() ? `WHERE ${isChangedDay(ctx, dateColumn)}` : "";
}

/**
 * Post-operations of a change-driven table: record what the build incorporated and the days it replaced (the daily
 * checks read them, includes/checks.js), then commit the replacement.
 */
function changedDaysPostOps(ctx, { table, dateColumn }) {
  changeDrivenTable(table);
  const days = ctx.incremental() ? "changed_days" : `(SELECT ARRAY_AGG(DISTINCT ${dateColumn} ORDER BY ${dateColumn}) FROM ${ctx.self()})`;
  const log = `INSERT INTO ${ctx.ref("build_log")} (table_name, loaded_through, built_at, full_refresh, replaced_days)
SELECT '${table}', build_through, CURRENT_TIMESTAMP(), ${!ctx.incremental()}, days
FROM (SELECT ${days} AS days) AS rebuilt;`;
  return ctx.incremental() ? `${log}\nCOMMIT TRANSACTION;` : log;
}

/** Vendor of a model, from its name (Cursor and Anthropic spell Claude models differently). */
function modelVendor(expr) {
  return `CASE
    WHEN ${expr} IS NULL THEN NULL
    WHEN LOWER(${expr}) LIKE '%claude%' OR LOWER(${expr}) LIKE '%opus%' OR LOWER(${expr}) LIKE '%sonnet%' OR LOWER(${expr}) LIKE '%haiku%' THEN 'anthropic'
    WHEN LOWER(${expr}) LIKE 'gpt%' OR LOWER(${expr}) LIKE 'o1%' OR LOWER(${expr}) LIKE 'o3%' OR LOWER(${expr}) LIKE 'o4%' OR LOWER(${expr}) LIKE '%codex%' THEN 'openai'
    WHEN LOWER(${expr}) LIKE '%gemini%' THEN 'google'
    WHEN LOWER(${expr}) LIKE '%grok%' THEN 'xai'
    ELSE 'cursor'
  END`;
}

function modelFamily(expr) {
  return `CASE
    WHEN LOWER(${expr}) LIKE '%opus%' THEN 'opus'
    WHEN LOWER(${expr}) LIKE '%sonnet%' THEN 'sonnet'
    WHEN LOWER(${expr}) LIKE '%haiku%' THEN 'haiku'
    WHEN LOWER(${expr}) LIKE 'gpt%' THEN 'gpt'
    WHEN LOWER(${expr}) LIKE '%gemini%' THEN 'gemini'
    WHEN LOWER(${expr}) LIKE '%auto%' THEN 'auto'
    ELSE 'other'
  END`;
}

module.exports = {
  str, cast, int, num, bool, centsToUsd, usdAmount, email, latestFetch, nullKey, rowKey, inInterval, mergedIntervals, teamAtDate, sqlList, isStreamIn,
  usageOfCostLine, costLineMeasure, monthOverMonth, holdsPaidSeat,
  changedDaysPreOps, isChangedDay, changedDaysFilter, changedDaysPostOps, modelVendor, modelFamily,
};
