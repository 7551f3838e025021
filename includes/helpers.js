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

/** Keeps the latest fetch (highest run_id) of each natural key: re-runs and backfills converge. */
function latestFetch(keys) {
  return `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${keys.join(", ")} ORDER BY run_id DESC, fetched_at DESC) = 1`;
}

/** A NULL-safe join key for nullable ids (Default Workspace, Console usage). */
function nullKey(expr) {
  return `COALESCE(${expr}, '(null)')`;
}

/** Stable text key of a row from its grain columns; NULLs stay distinct from any real value. */
function rowKey(exprs) {
  return `CONCAT(${exprs.map((e) => `COALESCE(CAST(${e} AS STRING), '(null)')`).join(", '|', ")})`;
}

// Streams whose windows are usage days (snapshot streams are windowed by the run's day).
const USAGE_STREAMS = ["daily_usage", "usage_events", "usage_messages", "cost_report", "claude_code"];

/**
 * incrementalPreOps of an incremental fact: declares lookback_start, the first day it rebuilds (latest day
 * already built minus the lookback), as a script constant so filters on it prune partitions (BigQuery) and row
 * groups (DuckDB) instead of joining a MAX() over the whole table. The latest built day is searched only in the
 * week before the latest usage day loaded (raw_load_runs, a few rows per run): when the fact has nothing there
 * (first build, or builds missed for over a week) lookback_start falls back to 1900-01-01, a whole rebuild.
 */
function declareLookbackStart(dateColumn, self, loadRuns, lookbackDays) {
  return `DECLARE last_loaded_day DATE DEFAULT (
  SELECT MAX(SAFE_CAST(JSON_VALUE(loaded_day, '$') AS DATE))
  FROM ${loadRuns} AS r
  CROSS JOIN UNNEST(JSON_QUERY_ARRAY(r.windows)) AS loaded_day
  WHERE r.status = 'succeeded' AND r.stream IN (${USAGE_STREAMS.map((s) => `'${s}'`).join(", ")})
);
DECLARE lookback_start DATE DEFAULT COALESCE(
  DATE_SUB(
    (SELECT MAX(${dateColumn}) FROM ${self} WHERE ${dateColumn} >= DATE_SUB(last_loaded_day, INTERVAL 7 DAY)),
    INTERVAL ${lookbackDays} DAY),
  DATE '1900-01-01')`;
}

/** The person's team on the day of use: a dim_users interval contains the date (valid_to exclusive). */
function teamAtDate(usersAlias, factAlias, dateColumn) {
  return `${usersAlias}.person_id = ${factAlias}.person_id
    AND ${factAlias}.${dateColumn} >= ${usersAlias}.valid_from
    AND (${usersAlias}.valid_to IS NULL OR ${factAlias}.${dateColumn} < ${usersAlias}.valid_to)`;
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

module.exports = { str, cast, int, num, bool, centsToUsd, usdAmount, email, latestFetch, nullKey, rowKey, declareLookbackStart, teamAtDate, modelVendor, modelFamily };
