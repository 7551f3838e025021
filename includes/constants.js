// Project settings read from workflow_settings.yaml vars (always strings), checked once at compile time.
const vars = dataform.projectConfig.vars;

function requiredVar(name) {
  const value = vars[name];
  if (value === undefined || String(value).trim() === "") {
    throw new Error(`workflow_settings.yaml var "${name}" is missing; set it in vars (or pass --vars=${name}=...)`);
  }
  return String(value).trim();
}

function numberVar(name) {
  const raw = requiredVar(name);
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`workflow_settings.yaml var "${name}" must be a non-negative number, got "${raw}"`);
  }
  return value;
}

const LOOKBACK_DAYS = numberVar("lookback_days");
if (!Number.isInteger(LOOKBACK_DAYS)) {
  throw new Error(`workflow_settings.yaml var "lookback_days" must be a whole number of days, got "${vars.lookback_days}"`);
}

module.exports = {
  RAW_DATASET: requiredVar("raw_dataset"),
  ENVIRONMENT: requiredVar("environment"),
  LOOKBACK_DAYS,
  CURSOR_SPEND_TOLERANCE_PCT: numberVar("cursor_spend_tolerance_pct"),
  CURSOR_SPEND_TOLERANCE_USD: numberVar("cursor_spend_tolerance_usd"),
  FRESHNESS_MAX_HOURS: numberVar("freshness_max_hours"),
  CLAUDE_CODE_WORKSPACE_NAME: requiredVar("claude_code_workspace_name"),
  // The explicit person that receives cost nobody can be held responsible for.
  UNATTRIBUTED: "unattributed",
  // Team/cost center of people seen in the sources but absent from the mapping sheet.
  UNMAPPED: "unmapped",
  // valid_from of the earliest snapshot: it also stands for every earlier day (marked inferred).
  BEGINNING_OF_TIME: "1900-01-01",
  // Streams that only know the present: one snapshot per run day, in force until the next (design.md section 4).
  SNAPSHOT_STREAMS: [
    "cursor.members", "cursor.spend", "anthropic.api_keys", "anthropic.workspaces", "anthropic.users",
    "mapping.people", "mapping.api_key_owners", "mapping.budgets", "mapping.seats",
  ],
  // Snapshots that decide who a cost belongs to (or which tool it is): a new one rebuilds the days it is in force.
  ATTRIBUTION_SNAPSHOTS: [
    "mapping.people", "mapping.api_key_owners", "mapping.seats", "cursor.members",
    "anthropic.api_keys", "anthropic.users", "anthropic.workspaces",
  ],
  // The tables built change-driven (int_builds__changed_days): each build replaces exactly their changed days. The
  // three facts, and the two tables they read that a day's inputs decide: the allocation of Anthropic cost lines and
  // the Cursor seats (whose running last active day is carried on from the day before the replaced ones).
  CHANGE_DRIVEN_TABLES: ["int_anthropic__cost_allocated", "int_cursor__seats_daily", "fct_cost_daily", "fct_usage_daily", "fct_seats_daily"],
  // The service tiers the Anthropic cost report bills (its service_tier is standard, batch or null); Priority Tier
  // and other tiers are billed outside it, so their usage weighs on no cost line (vendor-apis.md 1.2, 1.3).
  BILLED_SERVICE_TIERS: ["standard", "batch"],
  // Cursor member roles that hold no paid seat (vendor-apis.md 2.2: owner, member, free-owner): never charged.
  UNPAID_SEAT_ROLES: ["free-owner"],
  // The stream whose complete daily fetches say which days of a month a tool's money is known for.
  MONEY_STREAMS: { cursor: "cursor.usage_events", claude_api: "anthropic.cost_report", claude_code: "anthropic.cost_report" },
};
