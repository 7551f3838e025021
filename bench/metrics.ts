// The arithmetic of the benchmark, kept pure so the test can check it: the fewest requests the vendors' API
// contracts allow for what was served, the time floor their rate limits set, and the result table.

/** Page sizes and ranges from reference/vendor-apis.md (the largest each endpoint accepts). */
export const CONTRACT = {
  cursorRangeDays: 30, // daily-usage-data and filtered-usage-events: ≤ 30 days a request
  cursorEventsPageSize: 1000,
  cursorDailyUsageUsersPerPage: 1000, // users per page (docs example; no documented maximum)
  cursorSpendPageSize: 100, // no documented maximum; the size every known client uses
  anthropicBucketsPerPage: 31, // bucket_width=1d: ≤ 31 buckets a page, each with all of its rows
  anthropicClaudeCodeLimit: 1000, // one UTC day a call
  anthropicListLimit: 1000,
} as const;

/**
 * Requests per minute of each vendor limit, and the simulator routes that share it (simulator/cursor.ts,
 * anthropic.ts, sheets.ts follow vendor-apis.md §1.5, §2.1, §3).
 */
export const RATE_FAMILIES: Record<string, { perMinute: number; routes: string[] }> = {
  "cursor.admin": { perMinute: 20, routes: ["cursor.members", "cursor.spend"] },
  "cursor.daily_usage": { perMinute: 20, routes: ["cursor.daily_usage"] },
  "cursor.usage_events": { perMinute: 60, routes: ["cursor.usage_events"] },
  anthropic: {
    perMinute: 60,
    routes: ["anthropic.usage_messages", "anthropic.cost_report", "anthropic.claude_code", "anthropic.api_keys", "anthropic.workspaces", "anthropic.users"],
  },
  sheets: { perMinute: 60, routes: ["mapping.values_get", "mapping.batch_get"] },
};

const MAPPING_ROUTES = ["mapping.values_get", "mapping.batch_get"];

const pages = (records: number, perPage: number) => Math.ceil(records / perPage);

/**
 * The fewest requests that can fetch `served` records (distinct records per stream, as the simulator counts them)
 * over `days` days, per request group. A group is a stream, except the mapping: one batchGet reads every tab.
 * Each figure is a lower bound: at least one request per range chunk (or per day where the API takes one day),
 * and at least enough pages for the records at the largest page size.
 */
export function minimumRequests(days: number, served: Record<string, number>): Record<string, number> {
  if (!Number.isInteger(days) || days < 1) throw new Error(`days must be a whole number ≥ 1, got ${days}`);
  const n = (stream: string) => {
    const value = served[stream];
    if (value === undefined || !(value >= 0)) throw new Error(`served count for ${stream} is missing`);
    return value;
  };
  const cursorChunks = Math.ceil(days / CONTRACT.cursorRangeDays);
  const bucketPages = Math.ceil(days / CONTRACT.anthropicBucketsPerPage);
  return {
    "cursor.members": 1,
    "cursor.daily_usage": Math.max(cursorChunks, pages(n("cursor.daily_usage"), CONTRACT.cursorDailyUsageUsersPerPage * CONTRACT.cursorRangeDays)),
    // One UTC day a request (design.md §2: windows [D 00:00, D 23:59:59.999] keep days non-overlapping and let a
    // late-data re-load replace exactly its days), at least one page a day.
    "cursor.usage_events": Math.max(days, pages(n("cursor.usage_events"), CONTRACT.cursorEventsPageSize)),
    "cursor.spend": Math.max(1, pages(n("cursor.spend"), CONTRACT.cursorSpendPageSize)),
    "anthropic.usage_messages": bucketPages,
    "anthropic.cost_report": bucketPages,
    "anthropic.claude_code": Math.max(days, pages(n("anthropic.claude_code"), CONTRACT.anthropicClaudeCodeLimit)),
    "anthropic.api_keys": Math.max(1, pages(n("anthropic.api_keys"), CONTRACT.anthropicListLimit)),
    "anthropic.workspaces": Math.max(1, pages(n("anthropic.workspaces"), CONTRACT.anthropicListLimit)),
    "anthropic.users": Math.max(1, pages(n("anthropic.users"), CONTRACT.anthropicListLimit)),
    mapping: 1, // one values:batchGet reads every tab
  };
}

/** Requests made per group of minimumRequests, from the simulator's per-route counts (every status). */
export function requestsMade(byRoute: Record<string, number>): Record<string, number> {
  const made: Record<string, number> = {};
  for (const [route, count] of Object.entries(byRoute)) {
    const group = MAPPING_ROUTES.includes(route) ? "mapping" : route;
    made[group] = (made[group] ?? 0) + count;
  }
  return made;
}

/**
 * The shortest time the vendors' limits allow for these requests: each limit family spends n requests of its
 * per-minute budget, n/perMinute minutes, and families are independent. Vendor ms divided by timeScale.
 */
export function limitFloorMs(byRoute: Record<string, number>, timeScale: number): { floorMs: number; family: string } {
  if (!(timeScale > 0)) throw new Error(`timeScale must be > 0, got ${timeScale}`);
  let floorMs = 0;
  let family = "";
  for (const [name, f] of Object.entries(RATE_FAMILIES)) {
    const n = f.routes.reduce((sum, r) => sum + (byRoute[r] ?? 0), 0);
    const ms = (n * 60_000) / f.perMinute / timeScale;
    if (ms > floorMs) [floorMs, family] = [ms, name];
  }
  return { floorMs, family };
}

export interface Figure {
  scenario: string;
  name: string;
  value: number;
  unit: string;
  /** The figure must be at most (or at least) this. */
  target?: { op: "<=" | ">="; limit: number };
  note?: string;
}

export const met = (f: Figure): boolean | undefined =>
  f.target === undefined ? undefined : f.target.op === "<=" ? f.value <= f.target.limit : f.value >= f.target.limit;

function show(value: number, unit: string): string {
  // small ratios (a daily build's share of a full one) keep three significant digits: 0.0183 against 0.0164
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 0.1 || value === 0 ? 2 : 2 - Math.floor(Math.log10(Math.abs(value)));
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ""}`;
}

/** The printed table: figure, value, target, met / not met. */
export function formatTable(figures: Figure[]): string {
  const rows = figures.map((f) => {
    const ok = met(f);
    return [f.scenario, f.name, show(f.value, f.unit), f.target ? `${f.target.op} ${show(f.target.limit, f.unit)}` : "", ok === undefined ? "" : ok ? "met" : "NOT MET"];
  });
  const header = ["scenario", "figure", "value", "target", "result"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
