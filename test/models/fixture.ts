// A small raw warehouse built from the vendor JSON shapes (reference vendor-apis.md), laid out exactly as
// docs/data-contract.md says the loaders land it. Chosen so every money rule has a hand-computable answer.
import { DuckDBInstance } from "@duckdb/node-api";

export const DATASET = "ai_usage_dev";
export const RAW = `${DATASET}_raw`;
export const DAY1 = "2026-11-01";
export const DAY2 = "2026-11-02";

type Row = { run: string; day: string; record: unknown };

export const RUN1 = "20261102T060000000Z-aaaaaa";
export const RUN2 = "20261103T060000000Z-bbbbbb";

// Anthropic usage: opus in workspace A by keys 1 and 2; sonnet in A by keys 1, 2, 4 (a 3-way split);
// sonnet in the Default Workspace by the Console (NULL key) and key 3.
export function usage(key: string | null, ws: string | null, model: string, t: Partial<Record<string, number>>) {
  return {
    uncached_input_tokens: t.uncached ?? 0,
    cache_read_input_tokens: t.read ?? 0,
    cache_creation: { ephemeral_1h_input_tokens: t.w1h ?? 0, ephemeral_5m_input_tokens: t.w5m ?? 0 },
    output_tokens: t.output ?? 0,
    server_tool_use: { web_search_requests: t.search ?? 0 },
    account_id: null, api_key_id: key, service_account_id: null, workspace_id: ws,
    model, service_tier: "standard", context_window: "0-200k", inference_geo: "global",
  };
}

export function cost(ws: string | null, amount: string, model: string | null, tokenType: string | null, costType = "tokens") {
  return {
    amount, currency: "USD", description: `${model ?? costType} ${tokenType ?? costType}`, cost_type: costType,
    token_type: tokenType, model, service_tier: model ? "standard" : null, context_window: model ? "0-200k" : null,
    inference_geo: "global", workspace_id: ws,
  };
}

export const OPUS = "claude-opus-4-6";
export const SONNET = "claude-sonnet-4-5";
export const HAIKU = "claude-haiku-4-5";

export const RAW_ROWS: Record<string, Row[]> = {
  raw_anthropic_workspaces: [
    { run: RUN1, day: DAY2, record: { id: "wrkspc_A", type: "workspace", name: "Research", archived_at: null } },
    { run: RUN1, day: DAY2, record: { id: "wrkspc_CC", type: "workspace", name: "Claude Code", archived_at: null } },
  ],
  raw_anthropic_users: [
    { run: RUN1, day: DAY2, record: { id: "user_1", type: "user", email: " Alice@Example.com ", name: "Alice", role: "developer" } },
    { run: RUN1, day: DAY2, record: { id: "user_2", type: "user", email: "bob@example.com", name: "Bob", role: "developer" } },
    { run: RUN1, day: DAY2, record: { id: "user_3", type: "user", email: "carol@example.com", name: "Carol", role: "admin" } },
  ],
  raw_anthropic_api_keys: [
    { run: RUN1, day: DAY2, record: { id: "apikey_1", name: "alice-key", status: "active", workspace_id: "wrkspc_A", created_by: { id: "user_3", type: "user" }, principal: { id: "user_1", type: "user" } } },
    { run: RUN1, day: DAY2, record: { id: "apikey_2", name: "bob-key", status: "active", workspace_id: "wrkspc_A", created_by: { id: "user_2", type: "user" }, principal: null } },
    { run: RUN1, day: DAY2, record: { id: "apikey_3", name: "shared", status: "active", workspace_id: null, created_by: { id: "user_2", type: "user" }, principal: null } },
    { run: RUN1, day: DAY2, record: { id: "apikey_cc", name: "claude_code_key_alice", status: "active", workspace_id: "wrkspc_CC", created_by: { id: "user_1", type: "user" }, principal: { id: "user_1", type: "user" } } },
    { run: RUN1, day: DAY2, record: { id: "apikey_4", name: "ci-key", status: "active", workspace_id: "wrkspc_A", created_by: { id: "user_3", type: "user" }, principal: null } },
  ],
  raw_anthropic_usage_messages: [
    // a stale first fetch of day 1, superseded by RUN2 below
    { run: RUN1, day: DAY1, record: usage("apikey_1", "wrkspc_A", OPUS, { uncached: 999 }) },
    { run: RUN2, day: DAY1, record: usage("apikey_1", "wrkspc_A", OPUS, { uncached: 1000, output: 500, w5m: 300, w1h: 100, search: 3 }) },
    { run: RUN2, day: DAY1, record: usage("apikey_2", "wrkspc_A", OPUS, { uncached: 3000, output: 500, w1h: 100, search: 2 }) },
    { run: RUN2, day: DAY1, record: usage("apikey_1", "wrkspc_A", SONNET, { output: 10 }) },
    { run: RUN2, day: DAY1, record: usage("apikey_2", "wrkspc_A", SONNET, { output: 10 }) },
    { run: RUN2, day: DAY1, record: usage("apikey_4", "wrkspc_A", SONNET, { output: 10 }) },
    { run: RUN2, day: DAY1, record: usage(null, null, SONNET, { uncached: 100 }) },
    // Claude Code traffic on alice's per-user key: the CC opus line follows these tokens
    { run: RUN2, day: DAY1, record: usage("apikey_cc", "wrkspc_CC", OPUS, { output: 700 }) },
    { run: RUN2, day: DAY1, record: usage("apikey_3", null, SONNET, { uncached: 300 }) },
  ],
  raw_anthropic_cost_report: [
    { run: RUN1, day: DAY1, record: cost("wrkspc_A", "999", OPUS, "uncached_input_tokens") },
    { run: RUN2, day: DAY1, record: cost("wrkspc_A", "400.00", OPUS, "uncached_input_tokens") },
    { run: RUN2, day: DAY1, record: cost("wrkspc_A", "1000", OPUS, "output_tokens") },
    { run: RUN2, day: DAY1, record: cost("wrkspc_A", "123.45678", OPUS, "cache_creation.ephemeral_5m_input_tokens") },
    { run: RUN2, day: DAY1, record: cost("wrkspc_A", "10", OPUS, "cache_creation.ephemeral_1h_input_tokens") },
    { run: RUN2, day: DAY1, record: cost("wrkspc_A", "100", null, null, "web_search") },
    { run: RUN2, day: DAY1, record: cost("wrkspc_A", "10", SONNET, "output_tokens") },
    { run: RUN2, day: DAY1, record: cost("wrkspc_A", "7", HAIKU, "output_tokens") },
    { run: RUN2, day: DAY1, record: cost(null, "100", SONNET, "uncached_input_tokens") },
    { run: RUN2, day: DAY1, record: cost("wrkspc_CC", "300", OPUS, "output_tokens") },
    { run: RUN2, day: DAY1, record: cost("wrkspc_CC", "50", SONNET, "output_tokens") },
  ],
  raw_anthropic_claude_code: [
    ccRow("user_actor", "alice@example.com", OPUS, 200, 3, 50),
    ccRow("user_actor", "bob@example.com", OPUS, 100, 1, 10),
    ccRow("api_actor", "ci-key", HAIKU, 40, 2, 5),
  ],
  raw_cursor_members: [
    { run: RUN2, day: DAY2, record: { id: "user_a", name: "Alice", email: "alice@example.com", role: "member", isRemoved: false } },
    { run: RUN2, day: DAY2, record: { id: "user_b", name: "Bob", email: "bob@example.com", role: "member", isRemoved: false } },
    { run: RUN2, day: DAY2, record: { id: "user_d", name: "Dave", email: "dave@example.com", role: "member", isRemoved: true } },
  ],
  raw_cursor_daily_usage: [
    { run: RUN1, day: DAY1, record: dailyUsage("alice@example.com", DAY1, true) },
    { run: RUN1, day: DAY1, record: dailyUsage("bob@example.com", DAY1, false) },
    { run: RUN2, day: DAY2, record: dailyUsage("alice@example.com", DAY2, true) },
  ],
  raw_cursor_usage_events: [
    { run: RUN1, day: DAY1, record: event(DAY1, 1000, "alice@example.com", 21.36232) },
    { run: RUN1, day: DAY1, record: event(DAY1, 2000, "alice@example.com", 10.5) },
    // two identical events in one fetch are two events
    { run: RUN1, day: DAY1, record: event(DAY1, 3000, "bob@example.com", 5) },
    { run: RUN1, day: DAY1, record: event(DAY1, 3000, "bob@example.com", 5) },
    { run: RUN1, day: DAY1, record: event(DAY1, 4000, "eve@example.com", 1.25) },
    { run: RUN2, day: DAY2, record: event(DAY2, 1000, "alice@example.com", 3) },
  ],
  raw_cursor_spend: [
    { run: RUN2, day: DAY2, record: { userId: "user_a", name: "Alice", email: "alice@example.com", role: "member", spendCents: 34.86232, overallSpendCents: 34.86232, fastPremiumRequests: 0, hardLimitOverrideDollars: 0, subscriptionCycleStart: Date.parse(`${DAY1}T00:00:00Z`) } },
    { run: RUN2, day: DAY2, record: { userId: "user_b", name: "Bob", email: "bob@example.com", role: "member", spendCents: 10, overallSpendCents: 10, fastPremiumRequests: 0, hardLimitOverrideDollars: 0, subscriptionCycleStart: Date.parse(`${DAY1}T00:00:00Z`) } },
  ],
  raw_mapping_people: [
    // alice moves from Platform to Research on day 2
    { run: RUN2, day: DAY2, record: { email: "alice@example.com", name: "Alice A", team: "Platform", department: "Eng", cost_center: "CC-100", manager_email: "carol@example.com", effective_from: "" } },
    { run: RUN2, day: DAY2, record: { email: "alice@example.com", name: "Alice A", team: "Research", department: "Eng", cost_center: "CC-200", manager_email: "carol@example.com", effective_from: DAY2 } },
    { run: RUN2, day: DAY2, record: { email: "Bob@Example.com", name: "Bob B", team: "Platform", department: "Eng", cost_center: "CC-100", manager_email: "carol@example.com", effective_from: "" } },
    { run: RUN2, day: DAY2, record: { email: "carol@example.com", name: "Carol C", team: "Research", department: "Eng", cost_center: "CC-200", manager_email: "", effective_from: "" } },
  ],
  raw_mapping_api_key_owners: [
    { run: RUN2, day: DAY2, record: { api_key_id: "apikey_3", owner_email: "carol@example.com", note: "shared key" } },
  ],
  raw_mapping_budgets: [
    { run: RUN2, day: DAY2, record: { month: "2026-11", cost_center: "CC-100", team: "Platform", tool: "cursor", budget_usd: "1,100" } },
    { run: RUN2, day: DAY2, record: { month: "2026-11", cost_center: "CC-200", team: "", tool: "all", budget_usd: "50.5" } },
  ],
  raw_mapping_seats: [
    { run: RUN2, day: DAY2, record: { tool: "cursor", plan: "business", monthly_price_usd: "$40.00" /* as typed in a CSV */, effective_from: "" } },
  ],
};

export function ccRow(type: string, actor: string, model: string, estimatedCents: number, sessions: number, lines: number, day = DAY1): Row {
  return {
    run: RUN2,
    day,
    record: {
      date: `${day}T00:00:00Z`,
      actor: type === "user_actor" ? { type, email_address: actor } : { type, api_key_name: actor },
      organization_id: "12345678-1234-5678-1234-567812345678", customer_type: "api", terminal_type: "vscode", is_remote: false,
      core_metrics: { num_sessions: sessions, lines_of_code: { added: lines, removed: 1 }, commits_by_claude_code: 1, pull_requests_by_claude_code: 0 },
      tool_actions: { edit_tool: { accepted: 4, rejected: 1 }, write_tool: { accepted: 1, rejected: 0 } },
      model_breakdown: [{ model, tokens: { input: 100, output: 50, cache_read: 10, cache_creation: 5 }, estimated_cost: { amount: estimatedCents, currency: "USD" } }],
    },
  };
}

export function dailyUsage(email: string, day: string, active: boolean) {
  const n = active ? 10 : 0;
  return {
    userId: `user_${email[0]}`, day, date: Date.parse(`${day}T18:26:28Z`), email, isActive: active,
    totalLinesAdded: 10 * n, totalLinesDeleted: n, acceptedLinesAdded: 5 * n, acceptedLinesDeleted: 0,
    totalApplies: n, totalAccepts: n, totalRejects: 1, totalTabsShown: 4 * n, totalTabsAccepted: 2 * n,
    composerRequests: n, chatRequests: n, agentRequests: 0, cmdkUsages: 0, subscriptionIncludedReqs: n,
    apiKeyReqs: 0, usageBasedReqs: 0, bugbotUsages: 0, mostUsedModel: active ? "claude-4.5-sonnet" : null,
  };
}

export function event(day: string, offsetMs: number, email: string, chargedCents: number) {
  return {
    timestamp: String(Date.parse(`${day}T10:00:00Z`) + offsetMs), userEmail: email, conversationId: "conv-1",
    model: "claude-4.5-sonnet", kind: "Usage-based", maxMode: false, requestsCosts: 1, isTokenBasedCall: true,
    isChargeable: true, isHeadless: false,
    tokenUsage: { inputTokens: 100, outputTokens: 50, cacheWriteTokens: 0, cacheReadTokens: 10, totalCents: chargedCents },
    chargedCents,
  };
}

const STREAMS = Object.keys(RAW_ROWS);

const sqlText = (v: string) => `'${v.replace(/'/g, "''")}'`;

/** What one load run landed: rows per raw table, and the window days it fetched per table (default: its rows' days). */
export interface FixtureRun {
  run: string;
  rows: Partial<Record<string, { day: string; record: unknown }[]>>;
  /** Windows fetched with no records (an emptied day) or beyond the rows' days. */
  windows?: Partial<Record<string, string[]>>;
  /** When the run fetched, default 06:00 of the run id's day. */
  fetchedAt?: string;
}

/** Appends a load run as the loaders land it: raw rows, and one raw_load_runs row per stream listing its windows
 * (finished now, so the freshness assertion sees a live pipeline). */
export async function appendRun(file: string, load: FixtureRun): Promise<void> {
  const instance = await DuckDBInstance.create(file);
  const conn = await instance.connect();
  const fetched = load.fetchedAt ?? `${load.run.slice(0, 4)}-${load.run.slice(4, 6)}-${load.run.slice(6, 8)} 06:00:00`;
  try {
    const tables = new Set([...Object.keys(load.rows), ...Object.keys(load.windows ?? {})]);
    for (const table of tables) {
      const rows = load.rows[table] ?? [];
      if (rows.length) {
        const values = rows.map(
          (r) =>
            `(${sqlText(load.run)}, TIMESTAMP ${sqlText(fetched)}, DATE ${sqlText(r.day)}, TIMESTAMP ${sqlText(r.day)}, TIMESTAMP ${sqlText(r.day)} + INTERVAL 1 DAY, ${sqlText(`file://lake/${table}/${load.run}.jsonl.gz`)}, ${sqlText(JSON.stringify(r.record))})`,
        );
        await conn.run(`INSERT INTO ${RAW}.${table} VALUES ${values.join(", ")}`);
      }
      const windows = [...new Set([...rows.map((r) => r.day), ...(load.windows?.[table] ?? [])])].sort();
      const [, source, ...stream] = table.split("_");
      await conn.run(
        `INSERT INTO ${RAW}.raw_load_runs VALUES (${sqlText(load.run)}, ${sqlText(source!)}, ${sqlText(stream.join("_"))}, 'development',
          TIMESTAMP ${sqlText(fetched)}, now()::TIMESTAMP, 'succeeded', 1, ${rows.length}, 0, 100, ${sqlText(JSON.stringify(windows))}, NULL)`,
      );
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Creates the raw dataset on a DuckDB file: all raw tables, quarantine and load runs, empty. */
export async function createRawWarehouse(file: string): Promise<void> {
  const instance = await DuckDBInstance.create(file);
  const conn = await instance.connect();
  try {
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${RAW}`);
    for (const table of STREAMS) {
      await conn.run(
        `CREATE TABLE ${RAW}.${table} (run_id VARCHAR, fetched_at TIMESTAMP, window_date DATE, window_start TIMESTAMP, window_end TIMESTAMP, lake_uri VARCHAR, record JSON)`,
      );
    }
    await conn.run(
      `CREATE TABLE ${RAW}.raw_quarantine (run_id VARCHAR, fetched_at TIMESTAMP, source VARCHAR, stream VARCHAR, window_date DATE, reason VARCHAR, lake_uri VARCHAR, record JSON)`,
    );
    await conn.run(
      `CREATE TABLE ${RAW}.raw_load_runs (run_id VARCHAR, source VARCHAR, stream VARCHAR, mode VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR, requests BIGINT, records BIGINT, quarantined BIGINT, bytes BIGINT, windows JSON, error VARCHAR)`,
    );
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Creates the raw dataset on a DuckDB file and lands the fixture's runs. */
export async function createFixtureWarehouse(file: string): Promise<void> {
  await createRawWarehouse(file);
  for (const run of [RUN1, RUN2]) {
    const rows = Object.fromEntries(
      STREAMS.map((t) => [t, RAW_ROWS[t]!.filter((r) => r.run === run)] as const).filter(([, landed]) => landed.length > 0),
    );
    await appendRun(file, { run, rows });
  }
}
