// Anthropic Admin API (reference §1): usage report, cost report, Claude Code analytics, list endpoints, as served at
// the simulator's clock (reports hold complete days of the history; lists show the organization at that moment).
import { TOKEN_TYPES } from "./catalog.ts";
import { keysBy } from "./company.ts";
import { addDays, dayOf, dayStartMs, DAY_MS, isDay, rfc3339 } from "./dates.ts";
import { centsString } from "./money.ts";
import type { UsageRecord } from "./activity.ts";
import { decodeCursor, encodeCursor, HttpError, intParam, type Ctx, type Route } from "./http.ts";

const USAGE_DIMS = ["account_id", "api_key_id", "context_window", "inference_geo", "model", "service_account_id", "service_tier", "speed", "workspace_id"] as const;
type UsageDim = (typeof USAGE_DIMS)[number];
const FAST_MODE_BETA = "fast-mode-2026-02-01";

/** repeated bracket params: group_by[]=a&group_by[]=b (the bare name is accepted too) */
function list(ctx: Ctx, name: string): string[] {
  return [...ctx.url.searchParams.getAll(`${name}[]`), ...ctx.url.searchParams.getAll(name)];
}

function timeParam(raw: string | null, name: string): number | null {
  if (raw === null) return null;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) throw new HttpError(400, `${name}: invalid RFC 3339 datetime ${JSON.stringify(raw)}`);
  return ms;
}

interface Window { buckets: string[]; hasMore: boolean; next: string | null }

/** daily buckets from starting_at (snapped to the UTC day) to ending_at (exclusive), paged by limit */
function bucketWindow(ctx: Ctx, maxLimit: number): Window {
  const q = ctx.url.searchParams;
  const start = timeParam(q.get("starting_at"), "starting_at");
  if (start === null) throw new HttpError(400, "starting_at: field required");
  const width = q.get("bucket_width") ?? "1d";
  if (!["1d", "1h", "1m"].includes(width)) throw new HttpError(400, `bucket_width: must be one of 1d, 1h, 1m`);
  if (width !== "1d") throw new HttpError(400, `bucket_width: the simulator serves daily buckets only (1d)`);
  const limit = intParam(q.get("limit"), "limit", 7, 1, maxLimit);
  const endMs = timeParam(q.get("ending_at"), "ending_at") ?? ctx.world.now();
  if (endMs <= start) throw new HttpError(400, "ending_at: must be after starting_at");
  let first = dayOf(start);
  const page = q.get("page");
  if (page) first = decodeCursor(page, (v): v is { d: string } => typeof (v as { d?: unknown })?.d === "string" && isDay((v as { d: string }).d)).d;
  const buckets: string[] = [];
  let d = first;
  while (dayStartMs(d) < endMs && buckets.length < limit) {
    buckets.push(d);
    d = addDays(d, 1);
  }
  const hasMore = dayStartMs(d) < endMs;
  return { buckets, hasMore, next: hasMore ? encodeCursor({ d }) : null };
}

function bucket(day: string, results: unknown[]) {
  return { starting_at: rfc3339(dayStartMs(day)), ending_at: rfc3339(dayStartMs(day) + DAY_MS), results };
}

function usageMessages(ctx: Ctx) {
  const groupBy = list(ctx, "group_by");
  for (const g of groupBy) if (!(USAGE_DIMS as readonly string[]).includes(g)) throw new HttpError(400, `group_by[]: invalid dimension ${JSON.stringify(g)}; expected one of ${USAGE_DIMS.join(", ")}`);
  if (new Set(groupBy).size > 5) throw new HttpError(400, "Cannot specify more than 5 group_by[] dimensions.");
  const beta = String(ctx.headers["anthropic-beta"] ?? "").split(",").map((s) => s.trim()).includes(FAST_MODE_BETA);
  if (groupBy.includes("speed") && !beta) throw new HttpError(400, `group_by[]: speed requires the anthropic-beta: ${FAST_MODE_BETA} header`);
  const win = bucketWindow(ctx, 31);
  const dims = new Set(groupBy as UsageDim[]);

  const filters: [string, (u: UsageRecord) => string | null][] = [
    ["account_ids", (u) => u.accountId], ["api_key_ids", (u) => u.apiKeyId], ["service_account_ids", (u) => u.serviceAccountId],
    ["workspace_ids", (u) => u.workspaceId], ["models", (u) => u.model], ["service_tiers", (u) => u.serviceTier],
    ["context_window", (u) => u.contextWindow], ["inference_geos", (u) => u.inferenceGeo], ["speeds", () => "standard"],
  ];
  const active = filters.map(([name, get]) => [new Set(list(ctx, name)), get] as const).filter(([set]) => set.size > 0);
  const signature = `${[...dims].sort().join(",")}|${active.map(([s]) => [...s].sort().join(",")).join(";")}|${beta}`;

  const dimValue = (u: UsageRecord, d: UsageDim): string | null => ({
    account_id: u.accountId, api_key_id: u.apiKeyId, context_window: u.contextWindow, inference_geo: u.inferenceGeo, model: u.model,
    service_account_id: u.serviceAccountId, service_tier: u.serviceTier, speed: "standard", workspace_id: u.workspaceId,
  })[d];

  const data = win.buckets.map((day) => {
    const usage = ctx.world.served(day).usage;
    const groups = new Map<string, { dims: Record<string, string | null>; u: Record<string, number> }>();
    for (const u of usage) {
      if (!active.every(([set, get]) => set.has(get(u) ?? ""))) continue;
      const values: Record<string, string | null> = {};
      for (const d of USAGE_DIMS) values[d] = dims.has(d) ? dimValue(u, d) : null;
      const k = JSON.stringify(values);
      const g = groups.get(k) ?? { dims: values, u: { web: 0, ...Object.fromEntries(TOKEN_TYPES.map((t) => [t, 0])) } };
      for (const t of TOKEN_TYPES) g.u[t]! += u.tokens[t];
      g.u.web! += u.webSearch;
      groups.set(k, g);
    }
    const results = [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, { dims: v, u }]) => {
      const row: Record<string, unknown> = {
        uncached_input_tokens: u.uncached_input_tokens,
        cache_read_input_tokens: u.cache_read_input_tokens,
        cache_creation: { ephemeral_1h_input_tokens: u["cache_creation.ephemeral_1h_input_tokens"], ephemeral_5m_input_tokens: u["cache_creation.ephemeral_5m_input_tokens"] },
        output_tokens: u.output_tokens,
        server_tool_use: { web_search_requests: u.web },
        account_id: v.account_id, api_key_id: v.api_key_id, service_account_id: v.service_account_id, workspace_id: v.workspace_id,
        model: v.model, service_tier: v.service_tier, context_window: v.context_window, inference_geo: v.inference_geo,
      };
      if (beta) row.speed = v.speed;
      return ctx.sink.add("anthropic.usage_messages", `${day}|${signature}|${k}`, row, (r) => {
        delete r.model;
        r.uncached_input_tokens = null;
      });
    });
    return bucket(day, results);
  });
  return { data, has_more: win.hasMore, next_page: win.next };
}

function costReport(ctx: Ctx) {
  const groupBy = list(ctx, "group_by");
  for (const g of groupBy) if (g !== "workspace_id" && g !== "description") throw new HttpError(400, `group_by[]: invalid dimension ${JSON.stringify(g)}; expected one of workspace_id, description`);
  const win = bucketWindow(ctx, 31);
  const byWs = groupBy.includes("workspace_id"), byDesc = groupBy.includes("description");
  const data = win.buckets.map((day) => {
    const lines = ctx.world.served(day).costLines;
    const groups = new Map<string, { line: (typeof lines)[number]; nano: bigint }>();
    for (const l of lines) {
      const k = JSON.stringify([byWs ? l.workspaceId : null, byDesc ? l.description : null]);
      const g = groups.get(k) ?? { line: l, nano: 0n };
      g.nano += l.nano;
      groups.set(k, g);
    }
    const results = [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, { line: l, nano }]) =>
      ctx.sink.add("anthropic.cost_report", `${day}|${byWs}|${byDesc}|${k}`, {
        amount: centsString(nano),
        currency: "USD",
        description: byDesc ? l.description : null,
        cost_type: byDesc ? l.costType : null,
        token_type: byDesc ? l.tokenType : null,
        model: byDesc ? l.model : null,
        service_tier: byDesc ? l.serviceTier : null,
        context_window: byDesc ? l.contextWindow : null,
        inference_geo: byDesc ? l.inferenceGeo : null,
        workspace_id: byWs ? l.workspaceId : null,
      }, (r) => (r.amount = "NaN")),
    );
    return bucket(day, results);
  });
  return { data, has_more: win.hasMore, next_page: win.next };
}

function claudeCode(ctx: Ctx) {
  const q = ctx.url.searchParams;
  const day = q.get("starting_at");
  if (day === null) throw new HttpError(400, "starting_at: field required");
  if (!isDay(day)) throw new HttpError(400, `starting_at: must be a date in YYYY-MM-DD format, got ${JSON.stringify(day)}`);
  const limit = intParam(q.get("limit"), "limit", 20, 1, 1000);
  let offset = 0;
  const page = q.get("page");
  if (page) {
    const c = decodeCursor(page, (v): v is { d: string; o: number } => typeof (v as { o?: unknown })?.o === "number");
    if (c.d !== day) throw new HttpError(400, "page: the page token belongs to a different starting_at");
    offset = c.o;
  }
  const rows = ctx.world.served(day).claudeCode;
  const data = rows.slice(offset, offset + limit).map((row) =>
    ctx.sink.add("anthropic.claude_code", `${day}|${row.actorKey}|${row.remote}`, structuredClone(row.record), (r) => delete r.actor),
  );
  const hasMore = offset + limit < rows.length;
  return { data, has_more: hasMore, next_page: hasMore ? encodeCursor({ d: day, o: offset + limit }) : null };
}

/** list endpoints share limit / after_id / before_id paging */
function page<T extends { id: string }>(ctx: Ctx, stream: string, items: T[], invalidate: (r: T) => void) {
  const q = ctx.url.searchParams;
  const limit = intParam(q.get("limit"), "limit", 20, 1, 1000);
  const after = q.get("after_id"), before = q.get("before_id");
  if (after && before) throw new HttpError(400, "after_id and before_id cannot both be set");
  const at = (id: string, name: string) => {
    const i = items.findIndex((x) => x.id === id);
    if (i < 0) throw new HttpError(400, `${name}: no object with id ${JSON.stringify(id)}`);
    return i;
  };
  let slice: T[], hasMore: boolean;
  if (before) {
    const end = at(before, "before_id");
    slice = items.slice(Math.max(0, end - limit), end);
    hasMore = end - limit > 0;
  } else {
    const start = after ? at(after, "after_id") + 1 : 0;
    slice = items.slice(start, start + limit);
    hasMore = start + limit < items.length;
  }
  const data = slice.map((x) => ctx.sink.add(stream, x.id, structuredClone(x), invalidate));
  return { data, has_more: hasMore, first_id: slice[0]?.id ?? null, last_id: slice[slice.length - 1]?.id ?? null };
}

function apiKeys(ctx: Ctx) {
  const q = ctx.url.searchParams;
  const status = q.get("status"), ws = q.get("workspace_id"), creator = q.get("created_by_user_id");
  if (status && !["active", "inactive", "archived", "expired"].includes(status)) throw new HttpError(400, `status: invalid value ${JSON.stringify(status)}`);
  // keys created by now, archived ones kept back to the start of the history
  const now = ctx.world.now(), today = ctx.world.today(), start = ctx.world.historyStart();
  const items = keysBy(ctx.world.company, today)
    .filter((k) => Date.parse(k.createdAt) <= now && (k.archivedDay === null || k.archivedDay > start))
    .sort((a, z) => (a.createdAt < z.createdAt ? -1 : a.createdAt > z.createdAt ? 1 : 0))
    .map((k) => ({
      id: k.id, type: "api_key", name: k.name, status: k.use === "none" ? "inactive" : k.archivedDay !== null && k.archivedDay <= today ? "archived" : "active",
      workspace_id: k.workspaceId, created_at: k.createdAt, expires_at: null, partial_key_hint: k.hint, created_by: k.createdBy, principal: k.principal,
    }))
    .filter((k) => (!status || k.status === status) && (!ws || k.workspace_id === ws) && (!creator || k.created_by?.id === creator));
  return page(ctx, "anthropic.api_keys", items, (r: Partial<{ id: string }>) => delete r.id);
}

function workspaces(ctx: Ctx) {
  const all = ctx.url.searchParams.get("include_archived") === "true";
  const today = ctx.world.today();
  const items = ctx.world.company.workspaces
    .map((w) => ({ w, archivedAt: w.archivedDay !== null && w.archivedDay <= today ? `${w.archivedDay}T12:00:00Z` : null }))
    .filter(({ archivedAt }) => all || archivedAt === null)
    .map(({ w, archivedAt }) => ({
      id: w.id, type: "workspace", name: w.name, created_at: w.createdAt, archived_at: archivedAt, display_color: w.color, tags: {},
      data_residency: { allowed_inference_geos: "unrestricted", default_inference_geo: "global", workspace_geo: "us" },
    }));
  return page(ctx, "anthropic.workspaces", items, (r: Partial<{ id: string }>) => delete r.id);
}

function users(ctx: Ctx) {
  const q = ctx.url.searchParams;
  const email = q.get("email")?.toLowerCase(), roles = new Set(list(ctx, "roles"));
  // members of the organization now: added by now, not yet removed (a leaver is removed on the day they leave)
  const now = ctx.world.now(), today = ctx.world.today();
  const items = ctx.world.company.roster
    .hiredBy(today)
    .filter((p) => p.anthropic && Date.parse(p.anthropic.addedAt) <= now && (p.anthropic.removedDay === null || p.anthropic.removedDay > today))
    .filter((p) => (!email || p.email === email) && (roles.size === 0 || roles.has(p.anthropic!.role)))
    .map((p) => ({ id: p.anthropic!.id, type: "user", email: p.email, name: p.name, role: p.anthropic!.role, added_at: p.anthropic!.addedAt }));
  return page(ctx, "anthropic.users", items, (r: Partial<{ id: string }>) => delete r.id);
}

const a = (path: RegExp, stream: string, handle: Route["handle"]): Route => ({ vendor: "anthropic", method: "GET", path, stream, family: "anthropic", perMinute: 60, handle });

export const anthropicRoutes: Route[] = [
  a(/^\/v1\/organizations\/usage_report\/messages$/, "anthropic.usage_messages", usageMessages),
  a(/^\/v1\/organizations\/cost_report$/, "anthropic.cost_report", costReport),
  a(/^\/v1\/organizations\/usage_report\/claude_code$/, "anthropic.claude_code", claudeCode),
  a(/^\/v1\/organizations\/api_keys$/, "anthropic.api_keys", apiKeys),
  a(/^\/v1\/organizations\/workspaces$/, "anthropic.workspaces", workspaces),
  a(/^\/v1\/organizations\/users$/, "anthropic.users", users),
];
