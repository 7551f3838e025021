// The data checks (docs/models.md, "Assertions"): each a query returning the bad rows, written once and run twice
// (definitions/assertions/checks.js). `on(column)` restricts a scan to the checked days: every day in the weekly
// assertion, the days the last build changed in the daily check. The daily restriction is a script variable, which
// BigQuery prunes partitions by (a subquery it does not); an assertion cannot declare one, so the daily variant is an
// operation that declares it and fails with ERROR() when the query returns rows.

/** The check that no key of `table` appears twice; `columns` lead with the day the check is scoped by. */
const uniqueKey = (table, columns, description) => ({
  name: `assert_${table}_unique_key`,
  day: columns[0],
  description,
  query: (ref, on) => `SELECT ${columns.join(", ")}, COUNT(*) AS row_count
FROM ${ref(table)}
WHERE ${on(columns[0])}
GROUP BY ${columns.join(", ")}
HAVING COUNT(*) > 1`,
});

/** Rows of `table` breaking a rule: `rules` maps each rule's sentence to the condition every row must meet. */
const rowConditions = (table, dayColumn, columns, rules) => (ref, on) => {
  const entries = Object.entries(rules);
  return `SELECT ${[dayColumn, ...columns].join(", ")},
  CASE ${entries.map(([rule, condition]) => `WHEN NOT (${condition}) THEN '${rule}'`).join(" ")} END AS failing_row_condition
FROM ${ref(table)}
WHERE ${on(dayColumn)} AND (${entries.map(([, condition]) => `NOT (${condition})`).join(" OR ")})`;
};

/**
 * The run holding each day's latest complete fetch of a stream, found from the load runs (raw_load_runs as the build
 * started, stg_loads__runs; not staging's code).
 */
const latestFetchRuns = (ref, source, stream, day) => `SELECT SAFE_CAST(JSON_VALUE(loaded_day, '$') AS DATE) AS ${day}, MAX(r.run_id) AS run_id
  FROM ${ref("stg_loads__runs")} AS r
  CROSS JOIN UNNEST(JSON_QUERY_ARRAY(r.windows)) AS loaded_day
  WHERE r.source = '${source}' AND r.stream = '${stream}'
  GROUP BY ${day}`;

/** The raw records of each day's latest complete fetch of a stream (latestFetchRuns), on the days `on` keeps. */
const latestFetchRecords = (ref, source, stream, on) => `SELECT r.*
  FROM ${ref(constants.RAW_DATASET, `raw_${source}_${stream}`)} AS r
  JOIN (${latestFetchRuns(ref, source, stream, "window_date")}) AS f ON f.window_date = r.window_date AND f.run_id = r.run_id
  WHERE ${on("r.window_date")}`;

/**
 * The days (and `keys`) where the warehouse differs from the vendor by half a cent or more, or a vendor amount did
 * not parse: the end of a reconciliation whose CTEs `vendor` (keys, vendor_usd, `unparsed`) and `warehouse` (keys,
 * warehouse_usd) precede it. A day only one side has compares with 0.
 */
const vendorMismatches = (keys, unparsed) => `compared AS (
  SELECT
    ${keys.map((k) => `COALESCE(v.${k}, w.${k}) AS ${k},`).join("\n    ")}
    COALESCE(v.vendor_usd, 0) AS vendor_usd,
    COALESCE(w.warehouse_usd, 0) AS warehouse_usd,
    COALESCE(v.${unparsed}, 0) AS ${unparsed}
  FROM vendor AS v
  FULL OUTER JOIN warehouse AS w ON ${keys.map((k) => `w.${k} = v.${k}`).join(" AND ")}
)

SELECT *, warehouse_usd - vendor_usd AS difference_usd
FROM compared
WHERE ${unparsed} > 0 OR ABS(warehouse_usd - vendor_usd) >= 0.005`;

/**
 * Cursor: each recent spend snapshot (team total, overallSpendCents else spendCents) against the chargedCents of the
 * usage events of its billing cycle up to the moment it was taken, read from raw (each day's latest complete fetch);
 * one row per checked snapshot (int_cursor__spend_reconciliation). A snapshot is checked once every day of its cycle
 * has a complete fetch of events, its own day fetched after the day ended, and while it is within lookback_days of
 * the latest loaded event day. `on` scopes the snapshots; `since` the usage events, from the earliest cycle start.
 */
const cursorSpendReconciliation = (ref, on, since) => `WITH event_days AS (
  -- each day's latest complete fetch of usage events, and when that run started fetching them
  SELECT f.usage_date, r.started_at AS fetched_from
  FROM (${latestFetchRuns(ref, "cursor", "usage_events", "usage_date")}) AS f
  JOIN ${ref("stg_loads__runs")} AS r ON r.run_id = f.run_id AND r.source = 'cursor' AND r.stream = 'usage_events'
),

snapshots AS (
  SELECT
    window_date AS snapshot_date,
    MIN(fetched_at) AS taken_at,
    TIMESTAMP_MILLIS(MIN(${helpers.int("subscriptionCycleStart")})) AS cycle_start_at,
    ${helpers.centsToUsd(`SUM(COALESCE(${helpers.num("overallSpendCents")}, ${helpers.num("spendCents")}))`)} AS snapshot_usd
  FROM (${latestFetchRecords(ref, "cursor", "spend", on)}) AS spend
  GROUP BY snapshot_date
),

events AS (
  SELECT
    TIMESTAMP_MILLIS(${helpers.int("timestamp")}) AS event_at,
    COALESCE(${helpers.num("chargedCents")}, 0) AS charged_cents
  FROM (${latestFetchRecords(ref, "cursor", "usage_events", since)}) AS usage_events
),

checkable AS (
  -- every day of the period fetched whole; the snapshot's own day fetched after it ended; and recent
  SELECT s.*
  FROM snapshots AS s
  WHERE s.cycle_start_at IS NOT NULL
    AND s.snapshot_date >= DATE_SUB((SELECT MAX(usage_date) FROM event_days), INTERVAL ${constants.LOOKBACK_DAYS} DAY)
    AND (SELECT COUNT(*) FROM event_days AS d WHERE d.usage_date BETWEEN DATE(s.cycle_start_at) AND s.snapshot_date)
      = DATE_DIFF(s.snapshot_date, DATE(s.cycle_start_at), DAY) + 1
    AND EXISTS (
      SELECT 1 FROM event_days AS d
      WHERE d.usage_date = s.snapshot_date AND d.fetched_from >= TIMESTAMP(DATE_ADD(s.snapshot_date, INTERVAL 1 DAY))
    )
),

compared AS (
  SELECT
    s.snapshot_date,
    s.taken_at,
    DATE(s.cycle_start_at) AS cycle_start_date,
    s.snapshot_usd,
    (SELECT ${helpers.centsToUsd("COALESCE(SUM(e.charged_cents), 0)")} FROM events AS e
      WHERE e.event_at >= s.cycle_start_at AND e.event_at <= s.taken_at) AS events_usd
  FROM checkable AS s
)

SELECT
  *,
  events_usd - snapshot_usd AS difference_usd,
  ABS(events_usd - snapshot_usd)
    <= GREATEST(${constants.CURSOR_SPEND_TOLERANCE_USD}, ABS(snapshot_usd) * ${constants.CURSOR_SPEND_TOLERANCE_PCT} / 100) AS is_within_tolerance,
  CASE
    WHEN events_usd = snapshot_usd THEN CAST(NULL AS STRING)
    WHEN events_usd < snapshot_usd THEN 'the events fetched so far charge less than the snapshot: events missing (late data, or a day restated after it was fetched and not re-fetched yet)'
    ELSE 'the events charge more than the snapshot: events restated or added after the snapshot was taken, or duplicated events'
  END AS likely_cause
FROM compared
`;

/** The spend snapshots out of tolerance. */
const cursorSpendSnapshot = (ref, on, since) => `SELECT * FROM (
${cursorSpendReconciliation(ref, on, since)}
) AS reconciliation
WHERE NOT is_within_tolerance`;

/** Cursor: per day, billed usage cost in fct_cost_daily against chargedCents of the day's latest complete fetch. */
const reconcileCursorCost = (ref, on) => `WITH raw_events AS (
  SELECT
    window_date AS usage_date,
    ${helpers.str("chargedCents")} AS charged_text,
    ${helpers.num("chargedCents")} AS charged_cents
  FROM (${latestFetchRecords(ref, "cursor", "usage_events", on)}) AS usage_events
),

vendor AS (
  SELECT
    usage_date,
    ${helpers.centsToUsd("COALESCE(SUM(charged_cents), 0)")} AS vendor_usd,
    COUNTIF(charged_text IS NOT NULL AND charged_cents IS NULL) AS unparsed_events
  FROM raw_events
  GROUP BY usage_date
),

warehouse AS (
  SELECT cost_date AS usage_date, SUM(amount_usd) AS warehouse_usd
  FROM ${ref("fct_cost_daily")}
  WHERE ${on("cost_date")} AND tool = 'cursor' AND basis = 'billed'
  GROUP BY cost_date
),

${vendorMismatches(["usage_date"], "unparsed_events")}`;

/** Anthropic: per day and tool, billed + allocated cost in fct_cost_daily against the day's latest cost report. */
const reconcileAnthropicCost = (ref, on) => `WITH raw_lines AS (
  SELECT
    window_date AS cost_date,
    ${helpers.str("workspace_id")} AS workspace_id,
    ${helpers.num("amount")} AS amount_cents
  FROM (${latestFetchRecords(ref, "anthropic", "cost_report", on)}) AS cost_report
),

workspaces AS (
  SELECT * FROM ${ref("int_anthropic__workspaces")}
),

vendor AS (
  SELECT
    r.cost_date,
    IF(COALESCE(w.is_claude_code, FALSE), 'claude_code', 'claude_api') AS tool,
    ${helpers.centsToUsd("SUM(r.amount_cents)")} AS vendor_usd,
    COUNTIF(r.amount_cents IS NULL) AS unparsed_lines
  FROM raw_lines AS r
  LEFT JOIN workspaces AS w ON w.workspace_id = r.workspace_id AND ${helpers.inInterval("r.cost_date", "w")}
  GROUP BY cost_date, tool
),

warehouse AS (
  SELECT cost_date, tool, SUM(amount_usd) AS warehouse_usd
  FROM ${ref("fct_cost_daily")}
  WHERE ${on("cost_date")} AND tool IN ('claude_api', 'claude_code') AND basis != 'seat'
  GROUP BY cost_date, tool
),

${vendorMismatches(["cost_date", "tool"], "unparsed_lines")}`;

/**
 * Every check: `name` (the weekly assertion; the daily operation is `<name>_changed_days`), `day` (the day column of
 * its bad rows), `description` (what it fails on), `query(ref, on)`.
 */
const CHECKS = [
  {
    name: "assert_cursor_spend_snapshot",
    day: "snapshot_date",
    description: "Each recent Cursor spend snapshot matches the usage events of its billing cycle up to the moment it was taken, within cursor_spend_tolerance_pct percent or cursor_spend_tolerance_usd USD (whichever is larger); see int_cursor__spend_reconciliation. Returns the snapshots out of tolerance: the day, both figures and the likely cause.",
    query: cursorSpendSnapshot,
    // the events a checked snapshot is compared with start at its billing cycle's start, before the checked days
    // (only recent snapshots are checked: an old day a backfill changed does not widen the scan)
    readsFrom: (ref) => `SELECT DATE(TIMESTAMP_MILLIS(MIN(${helpers.int("subscriptionCycleStart", "s.record")})))
    FROM ${ref(constants.RAW_DATASET, "raw_cursor_spend")} AS s
    WHERE s.window_date IN UNNEST(checked_days)
      AND s.window_date >= DATE_SUB(
        (SELECT MAX(usage_date) FROM (${latestFetchRuns(ref, "cursor", "usage_events", "usage_date")}) AS event_days),
        INTERVAL ${constants.LOOKBACK_DAYS} DAY
      )`,
  },
  {
    name: "assert_reconcile_cursor_cost",
    day: "usage_date",
    description: "Per day, billed Cursor usage cost in fct_cost_daily equals the sum of chargedCents of the day's latest complete fetch of usage events to the cent, and every event's chargedCents parsed. The vendor figure is recomputed from raw, independently of staging (the latest fetch found from raw_load_runs), so a stale or duplicated event fails here. Returns the days that do not reconcile.",
    query: reconcileCursorCost,
  },
  {
    name: "assert_reconcile_anthropic_cost",
    day: "cost_date",
    description: "Per day and tool (claude_api, claude_code), billed + allocated cost in fct_cost_daily equals the Anthropic cost report to the cent, and every raw cost line's amount parsed. The vendor figure is recomputed from raw, independently of staging: the lines of each day's latest complete fetch, found from raw_load_runs, so a stale, duplicated or dropped line fails here. Returns the days that do not reconcile.",
    query: reconcileAnthropicCost,
  },
  uniqueKey("fct_cost_daily", ["cost_date", "cost_key"], "No cost_key twice in fct_cost_daily: the replacement of changed days never leaves a day twice."),
  uniqueKey("fct_usage_daily", ["usage_date", "usage_key"], "No usage_key twice in fct_usage_daily: the replacement of changed days never leaves a day twice."),
  uniqueKey("fct_seats_daily", ["seat_date", "seat_key"], "No seat_key twice in fct_seats_daily: the replacement of changed days never leaves a day twice."),
  {
    name: "assert_fct_usage_daily_counters",
    day: "usage_date",
    description: "The vendors' counters in fct_usage_daily make sense: no negative tokens, no more suggestions accepted than shown.",
    query: rowConditions("fct_usage_daily", "usage_date", ["usage_key"], {
      "negative tokens": "COALESCE(input_tokens, 0) >= 0 AND COALESCE(output_tokens, 0) >= 0 AND COALESCE(cache_read_tokens, 0) >= 0 AND COALESCE(cache_write_tokens, 0) >= 0",
      "more suggestions accepted than shown": "suggestions_accepted IS NULL OR suggestions_shown IS NULL OR suggestions_accepted <= suggestions_shown",
    }),
  },
  {
    name: "assert_fct_seats_daily_prices",
    day: "seat_date",
    description: "No negative seat cost in fct_seats_daily (a seat price typed negative in the seats tab).",
    query: rowConditions("fct_seats_daily", "seat_date", ["seat_key", "plan"], { "negative seat cost": "seat_cost_usd >= 0" }),
  },
  uniqueKey("stg_anthropic__api_keys", ["window_date", "api_key_id"], "No API key listed twice in one snapshot fetch (it would own cost twice)."),
  uniqueKey("stg_anthropic__users", ["window_date", "user_id"], "No Anthropic user listed twice in one snapshot fetch."),
  uniqueKey("stg_anthropic__workspaces", ["window_date", "workspace_id"], "No workspace listed twice in one snapshot fetch."),
  uniqueKey("stg_cursor__members", ["window_date", "email"], "No Cursor member listed twice in one snapshot fetch (their seat would count twice)."),
  uniqueKey("stg_cursor__daily_usage", ["usage_date", "member_key"], "No member twice in a day's fetch of Cursor daily usage (their activity would count twice)."),
  {
    name: "assert_stg_cursor__usage_events_charges",
    day: "usage_date",
    description: "Every Cursor usage event's chargedCents parses, and every event lies in the day it was fetched for.",
    query: rowConditions("stg_cursor__usage_events", "usage_date", ["event_key", "event_at", "email"], {
      "chargedCents does not parse": "charged_usd IS NOT NULL",
      "event outside the day it was fetched for": "usage_date = DATE(event_at)",
    }),
  },
];

/** Every day: the weekly assertion's scope (`on`, and `since` for the earlier days a check reads). */
const everyDay = () => "TRUE";

/** The days the last build changed: the variable checked_days that dailyCheck's script declares. */
const changedDays = (column) => `${column} IN UNNEST(checked_days)`;

/** From the earliest day a daily check reads (its `readsFrom`, else the earliest changed day): checked_from. */
const sinceChangedDays = (column) => `${column} >= checked_from`;


/**
 * The daily check's script: declare checked_days, the days each change-driven fact's latest build replaced
 * (build_log), then fail with the bad rows' days when the check's query returns any.
 */
function dailyCheck(ref, check) {
  return `DECLARE checked_days ARRAY<DATE> DEFAULT (
  SELECT ARRAY_AGG(DISTINCT day ORDER BY day)
  FROM (
    SELECT replaced_days
    FROM ${ref("build_log")}
    WHERE TRUE
    QUALIFY ROW_NUMBER() OVER (PARTITION BY table_name ORDER BY built_at DESC) = 1
  ) AS latest_builds
  CROSS JOIN UNNEST(latest_builds.replaced_days) AS day
);
DECLARE checked_from DATE DEFAULT (${check.readsFrom ? check.readsFrom(ref) : "SELECT MIN(day) FROM UNNEST(checked_days) AS day"});
SELECT IF(
  COUNT(*) = 0,
  'passed',
  ERROR(CONCAT(
    '${check.name} failed on a day the build changed: ', CAST(COUNT(*) AS STRING), ' bad row(s) on ',
    STRING_AGG(DISTINCT CAST(${check.day} AS STRING), ', ' ORDER BY CAST(${check.day} AS STRING)),
    '; the assertion ${check.name} returns them (docs/models.md, "Reading an assertion failure")'
  ))
) AS outcome
FROM (
${check.query(ref, changedDays, sinceChangedDays)}
) AS bad_rows`;
}

module.exports = { CHECKS, everyDay, dailyCheck, cursorSpendReconciliation };
