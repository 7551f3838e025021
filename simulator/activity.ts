// Per-day activity, generated lazily and deterministically from (seed, users, day): Cursor events and
// daily metrics, Anthropic usage at the finest grain, and Claude Code analytics rows. This is the day as it happened;
// what the vendors serve of it at a given moment (history, partial today, restatements) is world.ts.
import {
  anthropicModel, anthropicPrice, CODE_EXECUTION_HOUR_NANO, CURSOR_MODELS, CURSOR_REQUEST_NANO, CURSOR_TOKEN_FEE, TOKEN_TYPES, WEB_SEARCH_NANO, type TokenType,
} from "./catalog.ts";
import { cursorMemberOn, during, keysBy, type ApiKey, type Company, type Person } from "./company.ts";
import { dayStartMs, weekday } from "./dates.ts";
import { NANO_PER_CENT } from "./money.ts";
import { rng, unit, type Rng } from "./rng.ts";

export interface CursorEvent {
  /** position within the day, stable: used as the record identity */
  seq: number;
  ts: number;
  person: Person;
  model: string;
  kind: string;
  maxMode: boolean;
  requestsCosts: number;
  tokenBased: boolean;
  chargeable: boolean;
  headless: boolean;
  tokens: { input: number; output: number; cacheWrite: number; cacheRead: number } | null;
  totalNano: bigint;
  feeNano: bigint | null;
  chargedNano: bigint;
  conversationId: string;
  cloudAgentId: string | null;
}

export interface CursorDailyMetrics {
  lastActivityMs: number;
  totalLinesAdded: number; totalLinesDeleted: number; acceptedLinesAdded: number; acceptedLinesDeleted: number;
  totalApplies: number; totalAccepts: number; totalRejects: number; totalTabsShown: number; totalTabsAccepted: number;
  composerRequests: number; chatRequests: number; agentRequests: number; cmdkUsages: number;
  subscriptionIncludedReqs: number; apiKeyReqs: number; usageBasedReqs: number; bugbotUsages: number;
  mostUsedModel: string; applyMostUsedExtension: string; tabMostUsedExtension: string; clientVersion: string;
}

export type Tokens = Record<TokenType, number>;

/** one Anthropic usage row at the finest grain the simulator knows */
export interface UsageRecord {
  workspaceId: string | null;
  apiKeyId: string | null;
  accountId: string | null;
  serviceAccountId: string | null;
  model: string;
  serviceTier: string;
  contextWindow: string;
  inferenceGeo: string;
  tokens: Tokens;
  webSearch: number;
  tool: "claude_code" | "claude_api";
  key: ApiKey | null;
  remote: boolean;
}

export interface ClaudeCodeRow {
  actorKey: string;
  remote: boolean;
  record: Record<string, unknown>;
}

/** Code execution has no usage measure (reference §1.2): only a cost line, per workspace and day. */
export interface CodeExecution { workspaceId: string | null; nano: bigint }

export interface DayData {
  day: string;
  cursorEvents: CursorEvent[];
  /** by person key, only members active that day */
  cursorDaily: Map<string, CursorDailyMetrics>;
  usage: UsageRecord[];
  claudeCode: ClaudeCodeRow[];
  codeExecution: CodeExecution[];
}

const EXTENSIONS = [".ts", ".tsx", ".py", ".go", ".rs", ".sql", ".kt"];
const CLIENT_VERSIONS = ["2.0.43", "2.0.64", "2.1.12"];

export function usageCost(u: UsageRecord, t: TokenType): bigint {
  return BigInt(u.tokens[t]) * anthropicPrice(u.model, t, u.serviceTier, u.contextWindow);
}

export function usageWebSearchCost(u: UsageRecord): bigint {
  return BigInt(u.webSearch) * WEB_SEARCH_NANO;
}

type Shape = Record<"input" | "output" | "read" | "w5" | "w1", [number, number]>;

export function tokens(r: Rng, scale: number, shape: Shape): Tokens {
  const n = (range: [number, number]) => Math.round(r.int(range[0], range[1]) * scale);
  return {
    uncached_input_tokens: n(shape.input),
    output_tokens: n(shape.output),
    cache_read_input_tokens: n(shape.read),
    "cache_creation.ephemeral_5m_input_tokens": n(shape.w5),
    "cache_creation.ephemeral_1h_input_tokens": r.chance(0.4) ? n(shape.w1) : 0,
  };
}

function weekdayFactor(day: string): number {
  const wd = weekday(day);
  return wd === 0 || wd === 6 ? 0.2 : 1;
}

export function generateDay(c: Company, day: string): DayData {
  const seed = c.options.seed;
  const wf = weekdayFactor(day);
  const start = dayStartMs(day);
  const cursorEvents: CursorEvent[] = [];
  const cursorDaily = new Map<string, CursorDailyMetrics>();

  for (const p of c.roster.employedOn(day)) {
    const seat = p.cursor;
    if (!seat || seat.idle || !cursorMemberOn(seat, day)) continue;
    const r = rng(seed, "cursor", day, p.key);
    if (!r.chance(0.8 * wf * p.activity + 0.05)) continue;
    const n = r.int(1, 14);
    const modelCount = new Map<string, number>();
    let included = 0, usageBased = 0, lastTs = start;
    for (let i = 0; i < n; i++) {
      const modelId = r.pick(seat.models);
      const model = CURSOR_MODELS.find((m) => m.id === modelId)!;
      const ts = start + r.int(6 * 3600_000, 86_399_999 - 1);
      lastTs = Math.max(lastTs, ts);
      const tokenBased = r.chance(0.85);
      const roll = r.next();
      const errored = roll < 0.05;
      const kind = errored ? "Errored, Not Charged" : roll < 0.65 ? "Included in Business" : "Usage-based";
      const maxMode = r.chance(0.12);
      let tk: CursorEvent["tokens"] = null, totalNano = 0n, feeNano: bigint | null = null, chargedNano: bigint;
      if (tokenBased) {
        tk = { input: r.int(200, 9000), output: r.int(100, 7000), cacheWrite: r.chance(0.6) ? r.int(0, 25_000) : 0, cacheRead: r.int(0, 120_000) };
        totalNano = BigInt(tk.input) * model.input + BigInt(tk.output) * model.output + BigInt(tk.cacheRead) * model.cacheRead + BigInt(tk.cacheWrite) * model.cacheWrite;
        if (model.thirdParty) feeNano = BigInt(tk.input + tk.output + tk.cacheRead + tk.cacheWrite) * CURSOR_TOKEN_FEE;
        chargedNano = totalNano + (feeNano ?? 0n);
      } else {
        chargedNano = CURSOR_REQUEST_NANO * (maxMode ? 2n : 1n);
      }
      if (errored) chargedNano = 0n;
      if (kind === "Usage-based") usageBased++;
      else if (!errored) included++;
      modelCount.set(model.id, (modelCount.get(model.id) ?? 0) + 1);
      const headless = r.chance(0.05);
      cursorEvents.push({
        seq: 0, ts, person: p, model: model.id, kind, maxMode, requestsCosts: tokenBased ? r.int(1, 3) * (maxMode ? 2 : 1) : maxMode ? 2 : 1,
        tokenBased, chargeable: !errored, headless, tokens: tk, totalNano, feeNano, chargedNano,
        conversationId: uuid(r), cloudAgentId: headless ? `bc-${uuid(r)}` : null,
      });
    }
    const added = r.int(20, 1500), deleted = r.int(5, added), applies = r.int(1, 60);
    const accepts = r.int(0, applies), shown = r.int(0, 400);
    const modes = [r.int(0, n), r.int(0, n)];
    cursorDaily.set(p.key, {
      lastActivityMs: lastTs,
      totalLinesAdded: added, totalLinesDeleted: deleted, acceptedLinesAdded: r.int(0, added), acceptedLinesDeleted: r.int(0, deleted),
      totalApplies: applies, totalAccepts: accepts, totalRejects: applies - accepts, totalTabsShown: shown, totalTabsAccepted: r.int(0, shown),
      composerRequests: modes[0]!, chatRequests: modes[1]!, agentRequests: n, cmdkUsages: r.int(0, 20),
      subscriptionIncludedReqs: included, apiKeyReqs: 0, usageBasedReqs: usageBased, bugbotUsages: r.chance(0.1) ? 1 : 0,
      mostUsedModel: [...modelCount.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0],
      applyMostUsedExtension: r.pick(EXTENSIONS), tabMostUsedExtension: r.pick(EXTENSIONS), clientVersion: r.pick(CLIENT_VERSIONS),
    });
  }
  cursorEvents.sort((a, b) => a.ts - b.ts || a.person.slot - b.person.slot);
  cursorEvents.forEach((e, i) => (e.seq = i));

  const { usage, claudeCode, codeExecution } = anthropicDay(c, day, wf);
  return { day, cursorEvents, cursorDaily, usage, claudeCode, codeExecution };
}

/** token ranges of an API call mix, and of a Claude Code day */
export const SMALL: Shape = { input: [2_000, 150_000], output: [1_000, 60_000], read: [0, 900_000], w5: [0, 120_000], w1: [0, 40_000] };
const CODE: Shape = { input: [10_000, 300_000], output: [20_000, 220_000], read: [800_000, 14_000_000], w5: [80_000, 1_400_000], w1: [0, 300_000] };

/** one usage row of a key (null: Console usage), standard tier and context unless told otherwise */
export function usageRecord(c: Company, k: ApiKey | null, model: string, t: Tokens, extra: Partial<UsageRecord> = {}): UsageRecord {
  return {
    workspaceId: k?.workspaceId ?? null, apiKeyId: k?.id ?? null, accountId: null,
    serviceAccountId: null, model, serviceTier: "standard", contextWindow: "0-200k", inferenceGeo: anthropicModel(model).geo,
    tokens: t, webSearch: 0, tool: k?.workspaceId === c.claudeCodeWorkspace.id ? "claude_code" : "claude_api", key: k, remote: false, ...extra,
  };
}

/** A share of user keys is also used by Claude Code (an api_actor billed in the key's own workspace). */
export function usedByClaudeCode(c: Company, k: ApiKey): boolean {
  return k.use === "user" && unit(c.options.seed, "claude-code-key", k.id) < 0.3;
}

function anthropicDay(c: Company, day: string, wf: number): { usage: UsageRecord[]; claudeCode: ClaudeCodeRow[]; codeExecution: CodeExecution[] } {
  const seed = c.options.seed;
  const usage: UsageRecord[] = [];
  const claudeCode: ClaudeCodeRow[] = [];
  const codeExecution: CodeExecution[] = [];
  const rec = (k: ApiKey | null, model: string, t: Tokens, extra: Partial<UsageRecord> = {}): UsageRecord => {
    const u = usageRecord(c, k, model, t, extra);
    usage.push(u);
    return u;
  };

  for (const k of keysBy(c, day)) {
    if (!during(day, k.createdDay, k.archivedDay)) continue;
    const r = rng(seed, "anthropic", day, k.id);
    switch (k.use) {
      case "user": {
        if (!r.chance(0.6 * wf)) break;
        for (const model of k.models) {
          const u = rec(k, model, tokens(r, 1, SMALL));
          if (r.chance(0.25)) u.webSearch = r.int(1, 40);
          if (anthropicModel(model).longContext && r.chance(0.15)) rec(k, model, tokens(r, 2, SMALL), { contextWindow: "200k-1M" });
        }
        break;
      }
      case "service": {
        for (const model of k.models) rec(k, model, tokens(r, 6 * (wf < 1 ? 0.5 : 1), SMALL)).webSearch = r.int(0, 80);
        // Priority Tier traffic: in the usage report, never in the cost report (reference §1.2, §1.3)
        const p = rng(seed, "priority", day, k.id);
        if (p.chance(0.6)) rec(k, k.models[0]!, tokens(p, 3, SMALL), { serviceTier: "priority" }).webSearch = p.int(0, 30);
        break;
      }
      case "batch":
        if (r.chance(0.9)) for (const model of k.models) rec(k, model, tokens(r, 4, SMALL), { serviceTier: "batch" });
        break;
      case "legacy":
        if (r.chance(0.5)) rec(k, k.models[0]!, tokens(r, 0.3, SMALL));
        break;
      case "claude_code":
      case "claude_code_ci": {
        const person = k.person;
        const active = person ? r.chance((0.75 * person.activity + 0.1) * wf) : r.chance(0.7 * wf);
        if (!active) break;
        const parts = person && person.claudeCode!.remoteShare > 0 && r.chance(0.5) ? [false, true] : [false];
        for (const remote of parts) {
          const scale = remote ? 0.4 : person ? 1 : 0.5;
          const models = r.chance(0.3) ? ["claude-opus-4-6", "claude-haiku-4-5-20251001"] : ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"];
          const rows = models.map((m, i) => rec(k, m, tokens(r, i === 0 ? scale : scale * 0.05, CODE), { accountId: person?.anthropic?.id ?? null, remote }));
          const actor: Actor = person ? { type: "user_actor", person, terminal: person.claudeCode!.terminal } : { type: "api_actor", key: k, terminal: "non-interactive" };
          claudeCode.push(claudeCodeRow(c, day, actor, rows, remote, r));
        }
        break;
      }
      case "none":
        break;
    }
    if (usedByClaudeCode(c, k)) {
      // Claude Code run with this key: its tokens and cost are the key's, in the key's own workspace
      const a = rng(seed, "claude-code-key-day", day, k.id);
      if (a.chance(0.5 * wf)) {
        const rows = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"].map((m, i) => rec(k, m, tokens(a, i === 0 ? 0.3 : 0.02, CODE)));
        claudeCode.push(claudeCodeRow(c, day, { type: "api_actor", key: k, terminal: "vscode" }, rows, false, a));
      }
    }
  }
  // Claude Code on a Team or Enterprise plan: reported, billed by the plan, not by the API (no usage, no cost line)
  for (const p of c.roster.employedOn(day)) {
    if (!p.subscription) continue;
    const s = rng(seed, "subscription-day", day, p.key);
    if (!s.chance((0.7 * p.activity + 0.1) * wf)) continue;
    const rows = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"].map((m, i) => usageRecord(c, null, m, tokens(s, i === 0 ? 0.8 : 0.04, CODE)));
    claudeCode.push(claudeCodeRow(c, day, { type: "user_actor", person: p, terminal: p.subscription.terminal, subscription: p.subscription.type }, rows, false, s));
  }
  // code execution containers of the production backend: a cost line with no usage measure
  const x = rng(seed, "code-execution", day);
  const production = c.workspaces.find((w) => w.name === "Production")!;
  if (x.chance(0.7)) codeExecution.push({ workspaceId: production.id, nano: BigInt(x.int(1, 40)) * CODE_EXECUTION_HOUR_NANO });
  // Workbench / Console usage: no API key, Default Workspace, nobody to name
  const r = rng(seed, "console", day);
  if (r.chance(0.5)) rec(null, "claude-sonnet-4-5-20250929", tokens(r, 0.2, SMALL));
  claudeCode.sort((a, b) => a.actorKey.localeCompare(b.actorKey) || Number(a.remote) - Number(b.remote));
  return { usage, claudeCode, codeExecution };
}

/** Who a Claude Code report row is about: a signed-in user (API-billed, or on a plan) or an API key by name. */
type Actor =
  | { type: "user_actor"; person: Person; terminal: string; subscription?: "team" | "enterprise" }
  | { type: "api_actor"; key: ApiKey; terminal: string };

function claudeCodeRow(c: Company, day: string, actor: Actor, rows: UsageRecord[], remote: boolean, r: Rng): ClaudeCodeRow {
  const subscription = actor.type === "user_actor" ? actor.subscription ?? null : null;
  const sessions = r.int(1, 12);
  const added = r.int(50, 2500);
  const tool = () => { const a = r.int(0, 40); return { accepted: a, rejected: r.int(0, Math.ceil(a / 5)) }; };
  return {
    actorKey: actor.type === "user_actor" ? actor.person.email : `api:${actor.key.name}`,
    remote,
    record: {
      date: `${day}T00:00:00Z`,
      actor: actor.type === "user_actor" ? { type: "user_actor", email_address: actor.person.email } : { type: "api_actor", api_key_name: actor.key.name },
      organization_id: c.orgId,
      customer_type: subscription ? "subscription" : "api",
      subscription_type: subscription,
      terminal_type: remote ? "web" : actor.terminal,
      is_remote: remote,
      core_metrics: {
        num_sessions: sessions,
        lines_of_code: { added, removed: r.int(0, added) },
        commits_by_claude_code: r.int(0, sessions),
        pull_requests_by_claude_code: r.int(0, Math.ceil(sessions / 3)),
      },
      tool_actions: { edit_tool: tool(), multi_edit_tool: tool(), write_tool: tool(), notebook_edit_tool: tool() },
      model_breakdown: rows.map((u) => {
        const nano = TOKEN_TYPES.reduce((s, t) => s + usageCost(u, t), 0n);
        return {
          model: u.model,
          tokens: {
            input: u.tokens.uncached_input_tokens,
            output: u.tokens.output_tokens,
            cache_read: u.tokens.cache_read_input_tokens,
            cache_creation: u.tokens["cache_creation.ephemeral_5m_input_tokens"] + u.tokens["cache_creation.ephemeral_1h_input_tokens"],
          },
          // an estimate in whole cents, never above the billed cost (for plan users: what the API would have billed)
          estimated_cost: { amount: Number(nano / NANO_PER_CENT), currency: "USD" },
        };
      }),
    },
  };
}

function uuid(r: Rng): string {
  const h = r.id(32, "0123456789abcdef");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
}

/** Small LRU of generated days: 200 users x 365 days never sits in memory at once. */
export class DayCache {
  private readonly cache = new Map<string, DayData>();
  constructor(private readonly company: Company, private readonly max = 64) {}
  get(day: string): DayData {
    let d = this.cache.get(day);
    if (d) {
      this.cache.delete(day);
    } else {
      d = generateDay(this.company, day);
      if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(day, d);
    return d;
  }
}
