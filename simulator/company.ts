// The synthetic company: people, teams, seats, workspaces, API keys and price lists.
// Built once per seed; per-day activity is generated lazily elsewhere (activity.ts).
import { addDays, isDay } from "./dates.ts";
import { perMTok } from "./money.ts";
import { rng, type Rng } from "./rng.ts";

export interface CompanyOptions {
  seed: number;
  users: number;
  days: number;
  /** last simulated day (YYYY-MM-DD) */
  endDate: string;
}

export interface Team { name: string; department: string; costCenter: string; managerEmail: string | null }

export interface TeamSpell { team: string; from: string | null }

export interface CursorSeat {
  userId: string;
  /** the email as Cursor shows it (one member's is mixed case on purpose) */
  email: string;
  role: string;
  /** first day of membership; null = before the simulated window */
  joinDay: string | null;
  /** day the member was removed (no activity from that day on) */
  removedDay: string | null;
  /** a paid seat that is never used */
  idle: boolean;
  models: string[];
}

export interface AnthropicUser { id: string; role: string; addedAt: string }

export interface Person {
  index: number;
  email: string;
  name: string;
  /** team history, oldest first; `from` null = since before the window */
  teams: TeamSpell[];
  inMapping: boolean;
  activity: number;
  cursor: CursorSeat | null;
  anthropic: AnthropicUser | null;
  claudeCode: { terminal: string; remoteShare: number } | null;
}

export interface Workspace { id: string; name: string; createdAt: string; archivedAt: string | null; claudeCode: boolean; color: string }

export type KeyUse = "user" | "service" | "batch" | "legacy" | "claude_code" | "claude_code_ci" | "none";

export interface ApiKey {
  id: string;
  name: string;
  status: "active" | "inactive" | "archived";
  workspaceId: string | null;
  createdAt: string;
  createdBy: { id: string; type: "user" } | null;
  principal: { id: string; type: "user" | "service_account" } | null;
  hint: string;
  use: KeyUse;
  models: string[];
  /** no traffic on or after this day */
  archivedDay: string | null;
  /** the person the money belongs to (design §4: mapping override > principal user > creator), null if nobody */
  ownerEmail: string | null;
  /** for Claude Code keys: the person using it */
  person: Person | null;
}

export const TOKEN_TYPES = [
  "uncached_input_tokens",
  "output_tokens",
  "cache_read_input_tokens",
  "cache_creation.ephemeral_5m_input_tokens",
  "cache_creation.ephemeral_1h_input_tokens",
] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export interface AnthropicModel {
  id: string;
  display: string;
  geo: string;
  longContext: boolean;
  /** standard tier, 0-200k context, nanocents per token */
  base: Record<TokenType, bigint>;
}

const TOKEN_LABEL: Record<TokenType, string> = {
  uncached_input_tokens: "Input Tokens",
  output_tokens: "Output Tokens",
  cache_read_input_tokens: "Cache Read Input Tokens",
  "cache_creation.ephemeral_5m_input_tokens": "5m Cache Write Input Tokens",
  "cache_creation.ephemeral_1h_input_tokens": "1h Cache Write Input Tokens",
};

function prices(input: number, output: number): Record<TokenType, bigint> {
  // Anthropic's published ratios: cache read 0.1x, 5m write 1.25x, 1h write 2x input.
  return {
    uncached_input_tokens: perMTok(input),
    output_tokens: perMTok(output),
    cache_read_input_tokens: perMTok(input / 10),
    "cache_creation.ephemeral_5m_input_tokens": perMTok(input * 1.25),
    "cache_creation.ephemeral_1h_input_tokens": perMTok(input * 2),
  };
}

export const ANTHROPIC_MODELS: AnthropicModel[] = [
  { id: "claude-opus-4-6", display: "Claude Opus 4.6", geo: "global", longContext: false, base: prices(5, 25) },
  { id: "claude-sonnet-4-5-20250929", display: "Claude Sonnet 4.5", geo: "global", longContext: true, base: prices(3, 15) },
  { id: "claude-haiku-4-5-20251001", display: "Claude Haiku 4.5", geo: "not_available", longContext: false, base: prices(1, 5) },
];
const MODEL_BY_ID = new Map(ANTHROPIC_MODELS.map((m) => [m.id, m]));

export function anthropicModel(id: string): AnthropicModel {
  const m = MODEL_BY_ID.get(id);
  if (!m) throw new Error(`unknown Anthropic model ${id}`);
  return m;
}

/** nanocents per token: batch is half price; long context (200k-1M) doubles input-side and 1.5x output. */
export function anthropicPrice(modelId: string, tokenType: TokenType, tier: string, contextWindow: string): bigint {
  let p = anthropicModel(modelId).base[tokenType];
  if (contextWindow === "200k-1M") p = tokenType === "output_tokens" ? (p * 3n) / 2n : p * 2n;
  if (tier === "batch") p = p / 2n;
  return p;
}

/** web search: $10 per 1,000 requests = 1 cent each */
export const WEB_SEARCH_NANO = 1_000_000_000n;

export function costDescription(modelId: string, tokenType: TokenType, tier: string, contextWindow: string): string {
  const m = anthropicModel(modelId);
  const lc = contextWindow === "200k-1M" ? " - Long Context" : "";
  const batch = tier === "batch" ? " (Batch)" : "";
  return `${m.display} Usage - ${TOKEN_LABEL[tokenType]}${lc}${batch}`;
}

export interface CursorModel { id: string; thirdParty: boolean; input: bigint; output: bigint; cacheRead: bigint; cacheWrite: bigint }

export const CURSOR_MODELS: CursorModel[] = [
  { id: "claude-4.5-sonnet", thirdParty: true, input: perMTok(3), output: perMTok(15), cacheRead: perMTok(0.3), cacheWrite: perMTok(3.75) },
  { id: "gpt-5", thirdParty: true, input: perMTok(1.25), output: perMTok(10), cacheRead: perMTok(0.125), cacheWrite: perMTok(1.25) },
  { id: "claude-4.5-opus-high-thinking", thirdParty: true, input: perMTok(5), output: perMTok(25), cacheRead: perMTok(0.5), cacheWrite: perMTok(6.25) },
  { id: "composer-1", thirdParty: false, input: perMTok(1.25), output: perMTok(10), cacheRead: perMTok(0.125), cacheWrite: perMTok(1.25) },
  { id: "auto", thirdParty: false, input: perMTok(1.25), output: perMTok(6), cacheRead: perMTok(0.25), cacheWrite: perMTok(1.25) },
];
/** Cursor Token Rate on third-party models: $0.25 per million tokens */
export const CURSOR_TOKEN_FEE = perMTok(0.25);
/** price of a request-based (non-token) event */
export const CURSOR_REQUEST_NANO = 4n * 1_000_000_000n;

const TEAMS: Omit<Team, "managerEmail">[] = [
  { name: "Platform", department: "Engineering", costCenter: "CC-1010" },
  { name: "Payments", department: "Engineering", costCenter: "CC-1020" },
  { name: "Mobile", department: "Engineering", costCenter: "CC-1030" },
  { name: "Data", department: "Data & Analytics", costCenter: "CC-2010" },
  { name: "ML Research", department: "Research", costCenter: "CC-3010" },
  { name: "Growth", department: "Marketing", costCenter: "CC-4010" },
];

export const TEAMS_BY_NAME = new Map(TEAMS.map((t) => [t.name, t]));

const FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca", "Maya", "Nikhil", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe"];
const LAST = ["Abbott", "Bianchi", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quispe", "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zimmer"];
const TERMINALS = ["vscode", "iTerm.app", "tmux", "cursor", "Apple_Terminal", "WezTerm"];

export const EMAIL_DOMAIN = "acme-robotics.example";

export interface Company {
  options: CompanyOptions;
  days: string[];
  orgId: string;
  teams: Team[];
  people: Person[];
  workspaces: Workspace[];
  claudeCodeWorkspace: Workspace;
  apiKeys: ApiKey[];
  /** rows of the api_key_owners tab: key id -> owner email (+ note) */
  keyOwnerOverrides: { apiKeyId: string; ownerEmail: string; note: string }[];
  cycleStart: string;
}

function prefixedId(r: Rng, prefix: string): string {
  return `${prefix}01${r.id(22)}`;
}

function iso(day: string, r: Rng): string {
  return `${day}T${String(r.int(8, 18)).padStart(2, "0")}:${String(r.int(0, 59)).padStart(2, "0")}:${String(r.int(0, 59)).padStart(2, "0")}Z`;
}

export function validateOptions(o: CompanyOptions): void {
  if (!Number.isInteger(o.seed)) throw new Error(`seed must be an integer, got ${o.seed}`);
  if (!Number.isInteger(o.users) || o.users < 4 || o.users > 5000) throw new Error(`users must be an integer from 4 to 5000, got ${o.users}`);
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > 1100) throw new Error(`days must be an integer from 1 to 1100, got ${o.days}`);
  if (!isDay(o.endDate)) throw new Error(`endDate must be a YYYY-MM-DD date, got ${o.endDate}`);
}

export function buildCompany(options: CompanyOptions): Company {
  validateOptions(options);
  const { seed, users } = options;
  const r = rng(seed, "company");
  const days = Array.from({ length: options.days }, (_, i) => addDays(options.endDate, i - options.days + 1));
  const first = days[0] as string;
  const at = (fraction: number) => days[Math.min(days.length - 1, Math.floor(days.length * fraction))] as string;
  const before = addDays(first, -r.int(40, 400));

  // people
  const used = new Set<string>();
  const people: Person[] = [];
  for (let i = 0; i < users; i++) {
    let fn = r.pick(FIRST), ln = r.pick(LAST), email = "";
    for (let n = 0; ; n++) {
      email = `${fn}.${ln}${n ? n + 1 : ""}@${EMAIL_DOMAIN}`.toLowerCase();
      if (!used.has(email)) break;
      if (n > 3) { fn = r.pick(FIRST); ln = r.pick(LAST); n = -1; }
    }
    used.add(email);
    people.push({
      index: i, email, name: `${fn} ${ln}`, teams: [{ team: (TEAMS[i % TEAMS.length] as Team).name, from: null }],
      inMapping: true, activity: 0.4 + r.next() * 0.6, cursor: null, anthropic: null, claudeCode: null,
    });
  }
  // two people the mapping forgot, and one person who moves team half way through the window
  const unmapped = [users - 1, users - 2];
  for (const i of unmapped) (people[i] as Person).inMapping = false;
  const mover = people[Math.min(9, users - 3)] as Person; // not a team's first member, so not a manager
  mover.teams = [{ team: mover.teams[0]!.team, from: addDays(first, -200) }, { team: (TEAMS[4] as Team).name, from: days.length > 1 ? at(0.5) : first }];

  const teams: Team[] = TEAMS.map((t) => ({ ...t, managerEmail: people.find((p) => p.inMapping && p.teams[0]!.team === t.name)?.email ?? null }));

  // Cursor seats
  const seatHolders: Person[] = [];
  for (const p of people) {
    if (p !== people[0] && !r.chance(0.85)) continue;
    p.cursor = {
      userId: `user_${r.id(28)}`, email: p.email, role: p === people[0] ? "owner" : "member",
      joinDay: null, removedDay: null, idle: false, models: [r.pick(CURSOR_MODELS).id, r.pick(CURSOR_MODELS).id, "auto"],
    };
    seatHolders.push(p);
  }
  const seat = (k: number) => seatHolders[k % seatHolders.length]!.cursor!;
  seat(seatHolders.length - 3).idle = true;
  if (seatHolders.length > 12) seat(seatHolders.length - 7).idle = true;
  seat(5).removedDay = days.length > 2 ? at(0.4) : null;
  seat(6).joinDay = days.length > 2 ? at(0.6) : null;
  const mixed = seat(1);
  mixed.email = mixed.email.replace(/^./, (c) => c.toUpperCase()).replace(/\.(.)/, (_m, c: string) => `.${c.toUpperCase()}`);

  // Anthropic org users
  for (const p of people) {
    if (p !== people[0] && p !== people[1] && !r.chance(0.75)) continue;
    const cc = r.chance(0.6) || p === people[1];
    p.anthropic = { id: prefixedId(r, "user_"), role: p === people[0] ? "admin" : cc && r.chance(0.5) ? "claude_code_user" : "developer", addedAt: iso(before, r) };
    if (cc) p.claudeCode = { terminal: r.pick(TERMINALS), remoteShare: r.chance(0.3) ? 0.3 : 0 };
  }
  const anth = people.filter((p) => p.anthropic);
  const admin = people[0] as Person;

  const ws = (name: string, cc = false, archivedAt: string | null = null): Workspace => ({
    id: prefixedId(r, "wrkspc_"), name, createdAt: iso(before, r), archivedAt, claudeCode: cc, color: r.pick(["#6C5BB9", "#3A7D44", "#D97757", "#2E6FD8"]),
  });
  const production = ws("Production"), research = ws("Research"), dataScience = ws("Data Science"), claudeCodeWs = ws("Claude Code", true);
  const workspaces = [production, research, dataScience, claudeCodeWs, ws("Old Experiments", false, `${addDays(first, -10)}T12:00:00Z`)];

  const apiKeys: ApiKey[] = [];
  const key = (k: Omit<ApiKey, "id" | "hint" | "createdAt" | "ownerEmail" | "archivedDay" | "status"> & Partial<Pick<ApiKey, "status" | "archivedDay">>) => {
    const id = prefixedId(r, "apikey_");
    const hint = `sk-ant-api03-${r.id(4)}...${r.id(4)}`;
    const full: ApiKey = { status: "active", archivedDay: null, ...k, id, hint, createdAt: iso(before, r), ownerEmail: null };
    apiKeys.push(full);
    return full;
  };
  const userRef = (p: Person) => ({ id: p.anthropic!.id, type: "user" as const });
  const pickModels = () => Array.from(new Set([r.pick(ANTHROPIC_MODELS).id, r.pick(ANTHROPIC_MODELS).id]));

  for (const p of anth) {
    if (p !== people[0] && !r.chance(0.5)) continue;
    const w = r.pick([research, dataScience, null]);
    key({ name: `${p.email.split("@")[0]}-${w ? w.name.toLowerCase().replace(/ /g, "-") : "default"}`, workspaceId: w?.id ?? null, createdBy: userRef(p), principal: userRef(p), use: "user", models: pickModels(), person: null });
  }
  const userKeys = apiKeys.filter((k) => k.use === "user");
  if (userKeys.length > 1 && days.length > 2) {
    const archived = userKeys[userKeys.length - 1] as ApiKey;
    archived.status = "archived";
    archived.archivedDay = at(0.5);
  }
  const engineer = anth.find((p) => p.inMapping && p !== admin) ?? admin;
  const outsider = people.find((p) => !p.inMapping && p.anthropic) ?? people[users - 1]!;
  const prodBackend = key({ name: "prod-backend", workspaceId: production.id, createdBy: userRef(engineer), principal: { id: prefixedId(r, "svac_"), type: "service_account" }, use: "service", models: ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"], person: null });
  key({ name: "nightly-summaries", workspaceId: production.id, createdBy: outsider.anthropic ? userRef(outsider) : userRef(admin), principal: { id: prefixedId(r, "svac_"), type: "service_account" }, use: "batch", models: ["claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929"], person: null });
  key({ name: "legacy-integration", workspaceId: null, createdBy: null, principal: null, use: "legacy", models: ["claude-haiku-4-5-20251001"], person: null });
  key({ name: "unused-sandbox", workspaceId: dataScience.id, createdBy: userRef(admin), principal: userRef(admin), use: "none", models: [], person: null, status: "inactive" });
  const ccUsers = anth.filter((p) => p.claudeCode);
  for (const p of ccUsers) {
    key({ name: `claude_code_key_${p.email.split(/[.@]/)[0]}_${r.id(4, "abcdefghijklmnopqrstuvwxyz")}`, workspaceId: claudeCodeWs.id, createdBy: userRef(p), principal: userRef(p), use: "claude_code", models: [], person: p });
  }
  key({ name: "claude-code-ci", workspaceId: claudeCodeWs.id, createdBy: userRef(ccUsers[0] ?? admin), principal: { id: prefixedId(r, "svac_"), type: "service_account" }, use: "claude_code_ci", models: [], person: null });

  const platformManager = teams[0]!.managerEmail ?? admin.email;
  const keyOwnerOverrides = [{ apiKeyId: prodBackend.id, ownerEmail: platformManager, note: "team service, owned by Platform" }];
  if (userKeys.length > 2) keyOwnerOverrides.push({ apiKeyId: userKeys[0]!.id, ownerEmail: engineer.email, note: "" });
  const byAnthropicId = new Map(people.filter((p) => p.anthropic).map((p) => [p.anthropic!.id, p]));
  for (const k of apiKeys) {
    const override = keyOwnerOverrides.find((o) => o.apiKeyId === k.id);
    const principal = k.principal?.type === "user" ? byAnthropicId.get(k.principal.id) : undefined;
    const creator = k.createdBy ? byAnthropicId.get(k.createdBy.id) : undefined;
    k.ownerEmail = override?.ownerEmail ?? principal?.email ?? creator?.email ?? null;
  }

  // billing cycle: the first of the end month when that is inside the window, else the window's middle
  const monthStart = `${options.endDate.slice(0, 8)}01`;
  const cycleStart = monthStart >= first ? monthStart : at(0.5);

  return { options, days, orgId: uuid(r), teams, people, workspaces, claudeCodeWorkspace: claudeCodeWs, apiKeys, keyOwnerOverrides, cycleStart };
}

function uuid(r: Rng): string {
  const h = r.id(32, "0123456789abcdef");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

/** the team a person belongs to on a day */
export function teamOn(p: Person, day: string): string {
  let team = p.teams[0]!.team;
  for (const spell of p.teams) if (spell.from === null || spell.from <= day) team = spell.team;
  return team;
}

export function cursorMemberOn(seat: CursorSeat, day: string): boolean {
  return (seat.joinDay === null || seat.joinDay <= day) && (seat.removedDay === null || day < seat.removedDay);
}
