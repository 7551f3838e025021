// The synthetic company through time. People hold fixed "slots" with successive tenures (hire and leave dates drawn
// from (seed, slot, tenure) and counted from a fixed epoch), so headcount stays near `users` with churn at any time;
// team moves, Cursor seats, Anthropic users and API keys hang on those tenures. Every date is absolute: a day's
// state depends only on (seed, users, day), whatever was asked before. Tenures are drawn lazily up to the latest day
// asked for (a few per slot since the epoch), never day by day.
import { ANTHROPIC_MODELS, CURSOR_MODELS, EMAIL_DOMAIN, FIRST, LAST, TEAMS, TERMINALS, type Team } from "./catalog.ts";
import { addDays, dayStartMs, DAY_MS } from "./dates.ts";
import { rng, unit, type Rng } from "./rng.ts";

/** Tenures, moves and the rotation are counted from here; founders were hired before it. */
export const EPOCH = "2020-01-01";
/** The rotating person alternates between two teams this often, counted from the epoch. */
export const ROTATION_DAYS = 28;

export interface CompanyOptions {
  seed: number;
  users: number;
}

export interface TeamSpell { team: string; from: string | null }

/** The founder who administers Cursor without a paid seat (role free-owner) and never uses it. */
export const UNPAID_ADMIN_SLOT = 3;
/** The seat plans of the seats tab besides the default one, and who is on them. */
export const SEAT_PLANS = { default: { plan: "Teams", monthlyUsd: 40 }, others: [{ plan: "Ultra", monthlyUsd: 200, share: 0.12 }] } as const;

/**
 * founder: permanent, manages a team (slots 0..5); rotating: permanent, changes team every 28 days; forgotten:
 * permanent, missing from the mapping sheet; idle: permanent, holds a paid Cursor seat and never uses it; staff: churns.
 */
export type Role = "founder" | "rotating" | "forgotten" | "idle" | "staff";

export interface CursorSeat {
  userId: string;
  /** the email as Cursor shows it (one member's is mixed case on purpose) */
  email: string;
  /** owner and member hold a paid seat; free-owner is an admin without one (reference §2.2) */
  role: string;
  /** the member's daily-usage rows carry their email; false: userId only (email is optional there, reference §2.3) */
  dailyUsageEmail: boolean;
  joinDay: string;
  /** the member is removed from this day on (still listed, isRemoved: true) */
  removedDay: string | null;
  idle: boolean;
  models: string[];
}

export interface AnthropicUser { id: string; role: string; addedAt: string; removedDay: string | null }

export interface Person {
  /** `${slot}.${tenure}`: every random draw about this person hangs on it */
  key: string;
  slot: number;
  role: Role;
  email: string;
  name: string;
  /** first day employed */
  hired: string;
  /** first day no longer employed; null = stays */
  left: string | null;
  firstTeam: string;
  /** dated team moves within the tenure, oldest first (not the rotating person's: see teamSpells) */
  moves: TeamSpell[];
  rotation: [string, string] | null;
  inMapping: boolean;
  activity: number;
  cursor: CursorSeat | null;
  anthropic: AnthropicUser | null;
  /** Claude Code through the API (a per-user key in the Claude Code workspace) */
  claudeCode: { terminal: string; remoteShare: number } | null;
  /** Claude Code on a Team or Enterprise plan (customer_type subscription): in the Claude Code report, never billed by the API */
  subscription: { type: "team" | "enterprise"; terminal: string } | null;
  /** the seat plan the people tab names for the person; null = the tool's default plan */
  seatPlan: string | null;
}

export interface Workspace { id: string; name: string; createdAt: string; archivedDay: string | null; claudeCode: boolean; color: string }

export type KeyUse = "user" | "service" | "batch" | "legacy" | "claude_code" | "claude_code_ci" | "none";

export interface ApiKey {
  id: string;
  name: string;
  workspaceId: string | null;
  createdAt: string;
  createdDay: string;
  createdBy: { id: string; type: "user" } | null;
  principal: { id: string; type: "user" | "service_account" } | null;
  hint: string;
  use: KeyUse;
  models: string[];
  /** archived from this day on: no traffic on or after it */
  archivedDay: string | null;
  /** the person the money belongs to without later edits (design §4: mapping override > principal user > creator) */
  ownerEmail: string | null;
  /** for user and Claude Code keys: the person using it */
  person: Person | null;
}

export type ManagedTeam = Team & { managerEmail: string | null };

export interface Company {
  options: CompanyOptions;
  orgId: string;
  teams: ManagedTeam[];
  workspaces: Workspace[];
  claudeCodeWorkspace: Workspace;
  /** keys that exist through the whole history (service, batch, legacy, unused, CI) */
  serviceKeys: ApiKey[];
  /** the api_key_owners tab before any edit: key id -> owner email (+ note) */
  keyOwnerOverrides: { apiKeyId: string; ownerEmail: string; note: string }[];
  /** the Cursor billing cycle starts on this day of every month */
  cycleDay: number;
  roster: Roster;
}

function prefixedId(r: Rng, prefix: string): string {
  return `${prefix}01${r.id(22)}`;
}

function iso(day: string, r: Rng): string {
  return `${day}T${String(r.int(8, 18)).padStart(2, "0")}:${String(r.int(0, 59)).padStart(2, "0")}:${String(r.int(0, 59)).padStart(2, "0")}Z`;
}

/** true when [from, until) covers day; until null = open */
export function during(day: string, from: string, until: string | null): boolean {
  return from <= day && (until === null || day < until);
}

export function validateOptions(o: CompanyOptions): void {
  if (!Number.isInteger(o.seed)) throw new Error(`seed must be an integer, got ${o.seed}`);
  if (!Number.isInteger(o.users) || o.users < 4 || o.users > 5000) throw new Error(`users must be an integer from 4 to 5000, got ${o.users}`);
}

function roleOf(slot: number, users: number): Role {
  if (slot >= users - 2) return "forgotten";
  if (slot === Math.min(9, users - 3)) return "rotating";
  if (slot < TEAMS.length) return "founder";
  if (slot === users - 4 || (users > 14 && slot === users - 8)) return "idle";
  return "staff";
}

interface TenureDraft { slot: number; tenure: number; hired: string; left: string | null }

/** People and their keys, registered in hire order (so email de-duplication never depends on the day asked for). */
export class Roster {
  /** every person hired on or before `horizon`, in hire order */
  readonly people: Person[] = [];
  readonly keys: ApiKey[] = [];
  readonly byAnthropicId = new Map<string, Person>();
  private readonly next: (TenureDraft | null)[];
  private readonly emails = new Set<string>();
  private horizon = "0000-00-00";

  constructor(
    private readonly options: CompanyOptions,
    private readonly ws: { research: Workspace; dataScience: Workspace; claudeCode: Workspace },
  ) {
    this.next = Array.from({ length: options.users }, (_, slot) => this.draft(slot, 0, null));
  }

  /** draws tenure `tenure` of a slot, starting after the previous one ended */
  private draft(slot: number, tenure: number, after: string | null): TenureDraft | null {
    const { seed, users } = this.options;
    const r = rng(seed, "tenure", slot, tenure);
    if (roleOf(slot, users) !== "staff") return tenure === 0 ? { slot, tenure, hired: addDays(EPOCH, -r.int(100, 1500)), left: null } : null;
    const length = r.int(180, 1300);
    // the first tenure is already under way at the epoch; later ones follow a vacancy of one to nine weeks
    const hired = after === null ? addDays(EPOCH, -r.int(0, length - 1)) : addDays(after, r.int(7, 60));
    return { slot, tenure, hired, left: addDays(hired, length) };
  }

  /** registers every tenure that starts on or before day */
  ensure(day: string): void {
    if (day <= this.horizon) return;
    const due: TenureDraft[] = [];
    for (let slot = 0; slot < this.next.length; slot++) {
      for (let d = this.next[slot]!; d && d.hired <= day; d = this.next[slot]!) {
        due.push(d);
        this.next[slot] = d.left === null ? null : this.draft(slot, d.tenure + 1, d.left);
      }
    }
    due.sort((a, b) => (a.hired < b.hired ? -1 : a.hired > b.hired ? 1 : a.slot - b.slot));
    for (const d of due) this.register(d);
    this.horizon = day;
  }

  /** people hired on or before day, in hire order */
  hiredBy(day: string): Person[] {
    this.ensure(day);
    let n = this.people.length;
    while (n > 0 && this.people[n - 1]!.hired > day) n--;
    return this.people.slice(0, n);
  }

  employedOn(day: string): Person[] {
    return this.hiredBy(day).filter((p) => during(day, p.hired, p.left));
  }

  /** the permanent person of a slot (founders, the rotating, forgotten and idle people) */
  permanent(slot: number): Person {
    this.ensure(EPOCH);
    return this.people.find((p) => p.slot === slot)!;
  }

  /** a name of its own stream, so how many tries it took never shifts the person's other draws */
  private uniqueEmail(r: Rng): { name: string; email: string } {
    for (let n = 0; ; n++) {
      const fn = r.pick(FIRST), ln = r.pick(LAST);
      const email = `${fn}.${ln}${n >= 3 ? n : ""}@${EMAIL_DOMAIN}`.toLowerCase();
      if (!this.emails.has(email)) {
        this.emails.add(email);
        return { name: `${fn} ${ln}`, email };
      }
    }
  }

  private register(d: TenureDraft): void {
    const { seed, users } = this.options;
    const { slot, hired, left } = d;
    const role = roleOf(slot, users);
    const r = rng(seed, "person", slot, d.tenure);
    const { name, email } = this.uniqueEmail(rng(seed, "name", slot, d.tenure));
    // staff join the tools a few days after they start (never after they leave)
    const soon = (max: number) => {
      const day = role === "staff" ? addDays(hired, r.int(0, max)) : hired;
      return left !== null && day >= left ? hired : day;
    };
    const home = (TEAMS[slot % TEAMS.length] as Team).name;
    const firstTeam = role === "staff" ? r.pick(TEAMS).name : home;
    const moves: TeamSpell[] = [];
    if (role === "staff") {
      let team = firstTeam;
      for (let from = addDays(hired, r.int(300, 1500)); left !== null && from < left; from = addDays(from, r.int(300, 1500))) {
        team = r.pick(TEAMS.filter((t) => t.name !== team)).name;
        moves.push({ team, from });
      }
    }
    const p: Person = {
      key: `${slot}.${d.tenure}`, slot, role, email, name, hired, left, firstTeam, moves,
      rotation: role === "rotating" ? [home, home === "ML Research" ? "Platform" : "ML Research"] : null,
      inMapping: role !== "forgotten", activity: 0.4 + r.next() * 0.6, cursor: null, anthropic: null, claudeCode: null, subscription: null, seatPlan: null,
    };
    // draws of their own streams (never of r), so adding them moved no one else's data
    const extra = (what: string) => unit(seed, what, slot, d.tenure);

    if (slot === 0 || role === "idle" || r.chance(0.85)) {
      // one member's email is stored mixed case, as vendors keep what was typed
      const seatEmail = slot === 1 ? email.replace(/^./, (c) => c.toUpperCase()).replace(/\.(.)/, (_m, c: string) => `.${c.toUpperCase()}`) : email;
      p.cursor = {
        userId: `user_${r.id(28)}`, email: seatEmail, role: slot === 0 ? "owner" : "member", dailyUsageEmail: extra("daily-usage-email") >= 0.2,
        joinDay: soon(10), removedDay: left, idle: role === "idle", models: [r.pick(CURSOR_MODELS).id, r.pick(CURSOR_MODELS).id, "auto"],
      };
      const other = SEAT_PLANS.others.find((o) => extra(`seat-plan-${o.plan}`) < o.share);
      if (other && role !== "idle") p.seatPlan = other.plan;
    }
    if (slot === UNPAID_ADMIN_SLOT && role === "founder") {
      // an admin of the Cursor team who holds no paid seat and never uses it
      const a = rng(seed, "unpaid-admin", slot);
      p.cursor = { ...(p.cursor ?? { userId: `user_${a.id(28)}`, email, joinDay: hired, removedDay: left, models: [] }), role: "free-owner", dailyUsageEmail: true, idle: true };
      p.seatPlan = null;
    }
    // the admin, the engineer who owns service keys and the outsider who created one are always Anthropic users
    if (slot === 0 || slot === 1 || slot === users - 1 || r.chance(0.75)) {
      const cc = slot === 1 || r.chance(0.6);
      const added = soon(5);
      p.anthropic = { id: prefixedId(r, "user_"), role: slot === 0 ? "admin" : cc && r.chance(0.5) ? "claude_code_user" : "developer", addedAt: iso(added, r), removedDay: left };
      if (cc) p.claudeCode = { terminal: r.pick(TERMINALS), remoteShare: r.chance(0.3) ? 0.3 : 0 };
      this.byAnthropicId.set(p.anthropic.id, p);
      this.addKeys(p, r, added);
    }
    if (!p.claudeCode && role !== "idle" && extra("subscription") < 0.3) {
      // signs in to Claude Code with a claude.ai plan: the Claude Code report lists them, the API bills nothing
      const s = rng(seed, "subscription", slot, d.tenure);
      p.subscription = { type: s.chance(0.7) ? "team" : "enterprise", terminal: s.pick(TERMINALS) };
    }
    this.people.push(p);
  }

  private addKeys(p: Person, r: Rng, added: string): void {
    const me = { id: p.anthropic!.id, type: "user" as const };
    const local = p.email.split("@")[0]!;
    const key = (name: string, workspaceId: string | null, createdDay: string, archivedDay: string | null, use: KeyUse, models: string[]) =>
      this.keys.push({
        id: prefixedId(r, "apikey_"), name, workspaceId, createdAt: iso(createdDay, r), createdDay, createdBy: me, principal: me,
        hint: `sk-ant-api03-${r.id(4)}...${r.id(4)}`, use, models, archivedDay, ownerEmail: p.email, person: p,
      });
    if (p.slot === 0 || r.chance(0.5)) {
      // a key lives until its owner leaves; some are replaced on the way (archived, and a new one created that day)
      let from = addDays(added, p.role === "staff" ? r.int(0, 20) : 0);
      if (p.left !== null && from >= p.left) from = added;
      for (let n = 1; ; n++) {
        const w = r.pick([this.ws.research, this.ws.dataScience, null]);
        const rotated = p.role === "staff" && r.chance(0.3) ? addDays(from, r.int(90, 600)) : null;
        const until = rotated !== null && (p.left === null || rotated < p.left) ? rotated : p.left;
        const models = Array.from(new Set([r.pick(ANTHROPIC_MODELS).id, r.pick(ANTHROPIC_MODELS).id]));
        key(`${local}-${w ? w.name.toLowerCase().replace(/ /g, "-") : "default"}${n > 1 ? `-${n}` : ""}`, w?.id ?? null, from, until, "user", models);
        if (until === p.left) break;
        from = until!;
      }
    }
    if (p.claudeCode) key(`claude_code_key_${p.email.split(/[.@]/)[0]}_${r.id(4, "abcdefghijklmnopqrstuvwxyz")}`, this.ws.claudeCode.id, added, p.left, "claude_code", []);
  }
}

/** The person's team history as the HR sheet knows it on `until`: the first team (undated), then every move so far. */
export function teamSpells(p: Person, until: string): TeamSpell[] {
  const spells: TeamSpell[] = [{ team: p.firstTeam, from: null }];
  if (p.rotation) {
    for (let k = 1; ; k++) {
      const from = addDays(EPOCH, ROTATION_DAYS * k);
      if (from > until) break;
      spells.push({ team: p.rotation[k % 2]!, from });
    }
    return spells;
  }
  return [...spells, ...p.moves.filter((m) => m.from! <= until)];
}

/** the team a person belongs to on a day */
export function teamOn(p: Person, day: string): string {
  if (p.rotation) {
    const k = Math.floor((dayStartMs(day) - dayStartMs(EPOCH)) / (ROTATION_DAYS * DAY_MS));
    return p.rotation[Math.max(0, k) % 2]!;
  }
  return p.moves.filter((m) => m.from! <= day).at(-1)?.team ?? p.firstTeam;
}

export function cursorMemberOn(seat: CursorSeat, day: string): boolean {
  return during(day, seat.joinDay, seat.removedDay);
}

export function buildCompany(options: CompanyOptions): Company {
  validateOptions(options);
  const { seed, users } = options;
  const r = rng(seed, "company");
  const before = () => addDays(EPOCH, -r.int(40, 400));

  const ws = (name: string, cc = false, archivedDay: string | null = null): Workspace => ({
    id: prefixedId(r, "wrkspc_"), name, createdAt: iso(before(), r), archivedDay, claudeCode: cc, color: r.pick(["#6C5BB9", "#3A7D44", "#D97757", "#2E6FD8"]),
  });
  const production = ws("Production"), research = ws("Research"), dataScience = ws("Data Science"), claudeCodeWs = ws("Claude Code", true);
  const workspaces = [production, research, dataScience, claudeCodeWs, ws("Old Experiments", false, addDays(EPOCH, r.int(300, 900)))];

  const roster = new Roster(options, { research, dataScience, claudeCode: claudeCodeWs });
  const admin = roster.permanent(0), engineer = roster.permanent(1), outsider = roster.permanent(users - 1);
  const teams: ManagedTeam[] = TEAMS.map((t, slot) => {
    const founder = slot < users ? roster.permanent(slot) : undefined;
    return { ...t, managerEmail: founder?.role === "founder" ? founder.email : null };
  });

  const userRef = (p: Person) => ({ id: p.anthropic!.id, type: "user" as const });
  const serviceKeys: ApiKey[] = [];
  const key = (k: Pick<ApiKey, "name" | "workspaceId" | "createdBy" | "principal" | "use" | "models">) => {
    const createdDay = before();
    const full: ApiKey = { ...k, id: prefixedId(r, "apikey_"), hint: `sk-ant-api03-${r.id(4)}...${r.id(4)}`, createdAt: iso(createdDay, r), createdDay, archivedDay: null, ownerEmail: null, person: null };
    serviceKeys.push(full);
    return full;
  };
  const serviceAccount = () => ({ id: prefixedId(r, "svac_"), type: "service_account" as const });
  const prodBackend = key({ name: "prod-backend", workspaceId: production.id, createdBy: userRef(engineer), principal: serviceAccount(), use: "service", models: ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"] });
  key({ name: "nightly-summaries", workspaceId: production.id, createdBy: userRef(outsider), principal: serviceAccount(), use: "batch", models: ["claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929"] });
  key({ name: "legacy-integration", workspaceId: null, createdBy: null, principal: null, use: "legacy", models: ["claude-haiku-4-5-20251001"] });
  key({ name: "unused-sandbox", workspaceId: dataScience.id, createdBy: userRef(admin), principal: userRef(admin), use: "none", models: [] });
  key({ name: "claude-code-ci", workspaceId: claudeCodeWs.id, createdBy: userRef(engineer), principal: serviceAccount(), use: "claude_code_ci", models: [] });

  const keyOwnerOverrides = [
    { apiKeyId: prodBackend.id, ownerEmail: teams[0]!.managerEmail ?? admin.email, note: "team service, owned by Platform" },
    { apiKeyId: roster.keys.find((k) => k.person === admin && k.use === "user")!.id, ownerEmail: engineer.email, note: "" },
  ];
  for (const k of [...serviceKeys, ...roster.keys]) {
    const override = keyOwnerOverrides.find((o) => o.apiKeyId === k.id);
    const principal = k.principal?.type === "user" ? roster.byAnthropicId.get(k.principal.id) : undefined;
    const creator = k.createdBy ? roster.byAnthropicId.get(k.createdBy.id) : undefined;
    k.ownerEmail = override?.ownerEmail ?? principal?.email ?? creator?.email ?? null;
  }

  return { options, orgId: uuid(r), teams, workspaces, claudeCodeWorkspace: claudeCodeWs, serviceKeys, keyOwnerOverrides, cycleDay: r.int(1, 28), roster };
}

function uuid(r: Rng): string {
  const h = r.id(32, "0123456789abcdef");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

/** API keys that exist on a day (created on or before it), archived ones included */
export function keysBy(c: Company, day: string): ApiKey[] {
  c.roster.ensure(day);
  return [...c.serviceKeys, ...c.roster.keys.filter((k) => k.createdDay <= day)];
}
