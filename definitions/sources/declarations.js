// One declaration per raw table the loaders write (docs/data-contract.md). Dataset from the raw_dataset var.
const streams = {
  raw_cursor_members: "Cursor GET /teams/members: one teamMembers[] item per row, one snapshot per run day.",
  raw_cursor_daily_usage: "Cursor POST /teams/daily-usage-data: one data[] item (user x day) per row.",
  raw_cursor_usage_events: "Cursor POST /teams/filtered-usage-events: one usageEvents[] item per row; chargedCents is the money.",
  raw_cursor_spend: "Cursor POST /teams/spend: one teamMemberSpend[] item per row (+ subscriptionCycleStart), one snapshot per run day.",
  raw_anthropic_usage_messages: "Anthropic messages usage report: one results[] row of a 1d bucket, grouped by api_key_id, workspace_id, model, service_tier, context_window.",
  raw_anthropic_cost_report: "Anthropic cost report: one results[] row of a 1d bucket grouped by workspace_id + description; amount is cents as a decimal string.",
  raw_anthropic_claude_code: "Anthropic Claude Code analytics: one data[] item (actor x day x terminal x remote) per row.",
  raw_anthropic_api_keys: "Anthropic API keys list, one snapshot per run day.",
  raw_anthropic_workspaces: "Anthropic workspaces list, one snapshot per run day (the Default Workspace is not listed).",
  raw_anthropic_users: "Anthropic organization users list, one snapshot per run day.",
  raw_mapping_people: "Mapping sheet tab people: email -> team, department, cost center, manager, effective_from.",
  raw_mapping_api_key_owners: "Mapping sheet tab api_key_owners: overrides the owner of an Anthropic API key.",
  raw_mapping_budgets: "Mapping sheet tab budgets: monthly budget per cost center, team and tool.",
  raw_mapping_seats: "Mapping sheet tab seats: seat price list per tool and plan.",
};

const rawColumns = {
  run_id: "Load run that fetched the record; sorts by time (latest wins in staging).",
  fetched_at: "When the page holding the record arrived.",
  window_date: "UTC day the record belongs to (usage/bucket day, or the run's day for snapshots).",
  window_start: "Start of the fetched window (inclusive).",
  window_end: "End of the fetched window (exclusive).",
  lake_uri: "Lake object the row was loaded from.",
  record: "The vendor's record as JSON, untouched.",
};

for (const [name, description] of Object.entries(streams)) {
  declare({ schema: constants.RAW_DATASET, name, description, columns: rawColumns });
}

declare({
  schema: constants.RAW_DATASET,
  name: "raw_quarantine",
  description: "Records that failed their stream's schema, with the reason. Only read for data-health counts.",
  columns: {
    run_id: rawColumns.run_id, fetched_at: rawColumns.fetched_at, source: "Source (cursor, anthropic, mapping).",
    stream: "Stream name.", window_date: rawColumns.window_date, reason: "Validation message.",
    lake_uri: rawColumns.lake_uri, record: "The rejected record as JSON.",
  },
});

declare({
  schema: constants.RAW_DATASET,
  name: "raw_load_runs",
  description: "One row per stream per load run; freshness assertions read it.",
  columns: {
    run_id: rawColumns.run_id, source: "Source name.", stream: "Stream name.", mode: "daily or backfill.",
    started_at: "Run start.", finished_at: "Run end.", status: "succeeded | failed.",
    requests: "HTTP requests made.", records: "Records landed.", quarantined: "Records quarantined.",
    bytes: "Bytes landed.", windows: "JSON array of window dates loaded.", error: "Error message when failed.",
  },
});
