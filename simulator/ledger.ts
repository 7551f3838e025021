// Money views derived from the served activity: the cost report's line items, the Cursor spend snapshot, and the
// ground truth as of a moment. All sums are bigint nanocents, so they agree exactly.
import { costDescription, isBilledTier, TEAMS_BY_NAME, TOKEN_TYPES, type TokenType } from "./catalog.ts";
import { addDays, dayOf, isDay } from "./dates.ts";
import { usageCost, usageWebSearchCost, type CodeExecution, type UsageRecord } from "./activity.ts";
import type { Company, Person } from "./company.ts";
import { keyOwnerOn, peopleSheet } from "./mapping.ts";
import { centsString } from "./money.ts";
import type { World } from "./world.ts";

export interface CostLine {
  workspaceId: string | null;
  description: string;
  costType: "tokens" | "web_search" | "code_execution";
  tokenType: TokenType | null;
  model: string | null;
  serviceTier: string | null;
  contextWindow: string | null;
  inferenceGeo: string | null;
  nano: bigint;
}

const WEB_SEARCH = "Web Search Usage";
const CODE_EXECUTION = "Code Execution Usage";
const lineKey = (workspaceId: string | null, description: string) => `${workspaceId}|${description}`;

/** the cost report's finest line items for one day: (workspace, description); Priority Tier usage is billed elsewhere */
export function costLines(usage: UsageRecord[], codeExecution: CodeExecution[]): CostLine[] {
  const lines = new Map<string, CostLine>();
  const add = (l: Omit<CostLine, "nano">, nano: bigint) => {
    if (nano === 0n) return;
    const k = lineKey(l.workspaceId, l.description);
    const cur = lines.get(k);
    if (cur) cur.nano += nano;
    else lines.set(k, { ...l, nano });
  };
  for (const u of usage) {
    if (!isBilledTier(u.serviceTier)) continue;
    for (const t of TOKEN_TYPES) {
      add({
        workspaceId: u.workspaceId, description: costDescription(u.model, t, u.serviceTier, u.contextWindow), costType: "tokens", tokenType: t,
        model: u.model, serviceTier: u.serviceTier, contextWindow: u.contextWindow, inferenceGeo: u.inferenceGeo,
      }, usageCost(u, t));
    }
    add({ workspaceId: u.workspaceId, description: WEB_SEARCH, costType: "web_search", tokenType: null, model: null, serviceTier: null, contextWindow: null, inferenceGeo: null }, usageWebSearchCost(u));
  }
  for (const x of codeExecution) {
    add({ workspaceId: x.workspaceId, description: CODE_EXECUTION, costType: "code_execution", tokenType: null, model: null, serviceTier: null, contextWindow: null, inferenceGeo: null }, x.nano);
  }
  return [...lines.values()];
}

/** the billing cycle in force on a day: it starts on the company's cycle day of the month */
export function cycleStartOn(c: Company, day: string): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const back = d >= c.cycleDay ? 0 : 1;
  return new Date(Date.UTC(y, m - 1 - back, c.cycleDay)).toISOString().slice(0, 10);
}

export interface SpendRow { person: Person; spendNano: bigint; overallNano: bigint; fastPremiumRequests: number }

/** Cursor's billing-cycle snapshot at `at`: every charged event from the cycle's start up to that moment. */
export function spendRows(world: World, at = world.now()): { cycleStart: string; rows: SpendRow[] } {
  const today = world.today(at);
  const cycleStart = cycleStartOn(world.company, today);
  const rows = new Map<string, SpendRow>();
  for (const p of world.company.roster.hiredBy(today)) {
    const s = p.cursor;
    if (s && s.joinDay <= today && (s.removedDay === null || s.removedDay > cycleStart)) rows.set(p.key, { person: p, spendNano: 0n, overallNano: 0n, fastPremiumRequests: 0 });
  }
  for (let day = cycleStart; day <= today; day = addDays(day, 1)) {
    for (const e of world.held(day, at).cursorEvents) {
      const row = rows.get(e.person.key)!;
      row.overallNano += e.chargedNano;
      if (e.kind === "Usage-based") {
        row.spendNano += e.chargedNano;
        row.fastPremiumRequests += e.requestsCosts;
      }
    }
  }
  return { cycleStart, rows: [...rows.values()] };
}

type Tool = "cursor" | "claude_code" | "claude_api";
interface Spell { team: string | null; department: string | null; costCenter: string | null; from: string | null }

export interface GroundTruth {
  /** the moment the truth describes (RFC 3339): the world as the vendors served it then */
  asOf: string;
  days: string[];
  people: {
    email: string; name: string; hired: string; left: string | null;
    /** in the people tab at asOf */
    inMapping: boolean;
    /** the team on the last day of the range; null when not in the mapping that day */
    team: string | null; department: string | null; costCenter: string | null;
    /** team history as the sheet tells it, oldest first; from null = since always; team null = not in the mapping */
    teams: Spell[];
  }[];
  costLines: {
    day: string; tool: Tool; email: string | null; apiKeyId: string | null;
    workspaceId: string | null; model: string | null; tokenType: string | null; cents: string;
  }[];
  vendorDaily: { day: string; tool: Tool; cents: string }[];
  /** extra facts tests of the pipeline use */
  claudeCodeWorkspaceId: string;
  /** the Cursor billing cycle in force at asOf */
  subscriptionCycleStart: string;
}

export interface TruthRange {
  /** first day, default the first day of the history at asOf */
  start?: string;
  /** last day, default asOf's day */
  end?: string;
  /** epoch ms, default now */
  asOf?: number;
}

const spell = (team: string | null, from: string | null): Spell => {
  const t = team === null ? undefined : TEAMS_BY_NAME.get(team)!;
  return { team, department: t?.department ?? null, costCenter: t?.costCenter ?? null, from };
};

export function groundTruth(world: World, range: TruthRange = {}): GroundTruth {
  const asOf = range.asOf ?? world.now();
  // RangeError: the caller asked for something impossible (HTTP 400), not a simulator bug
  if (!Number.isFinite(asOf)) throw new RangeError(`asOf must be a time, got ${String(range.asOf)}`);
  const start = range.start ?? world.historyStart(asOf), end = range.end ?? dayOf(asOf);
  for (const [name, d] of [["start", start], ["end", end]] as const) if (!isDay(d)) throw new RangeError(`${name} must be a YYYY-MM-DD date, got ${JSON.stringify(d)}`);
  if (end < start) throw new RangeError(`end ${end} is before start ${start}`);

  const mapped = peopleSheet(world, asOf).map(({ person: p, rows, spells }) => ({ p, inMapping: rows.length > 0, teams: spells.map((s) => spell(s.team, s.from)) }));
  const forgotten = world.company.roster.hiredBy(dayOf(asOf)).filter((p) => !p.inMapping).map((p) => ({ p, inMapping: false, teams: [spell(null, null)] }));
  const people = [...mapped, ...forgotten].map(({ p, inMapping, teams }) => {
    const last = teams.filter((s) => s.from === null || s.from <= end).at(-1)!;
    return { email: p.email, name: p.name, hired: p.hired, left: p.left, inMapping, team: last.team, department: last.department, costCenter: last.costCenter, teams };
  });

  const days: string[] = [];
  const lines: GroundTruth["costLines"] = [];
  const vendorDaily: GroundTruth["vendorDaily"] = [];
  for (let day = start; day <= end; day = addDays(day, 1)) {
    days.push(day);
    const d = world.served(day, asOf);
    const totals: Record<Tool, bigint> = { cursor: 0n, claude_code: 0n, claude_api: 0n };
    // Cursor at person x model grain
    const cursor = new Map<string, { email: string; model: string; nano: bigint }>();
    for (const e of d.cursorEvents) {
      const k = `${e.person.email}|${e.model}`;
      const cur = cursor.get(k) ?? { email: e.person.email, model: e.model, nano: 0n };
      cur.nano += e.chargedNano;
      cursor.set(k, cur);
      totals.cursor += e.chargedNano;
    }
    for (const v of cursor.values()) if (v.nano > 0n) lines.push({ day, tool: "cursor", email: v.email, apiKeyId: null, workspaceId: null, model: v.model, tokenType: null, cents: centsString(v.nano) });
    // Anthropic at key x workspace x model x token type grain (tiers, context windows and local/remote summed);
    // a usage measure whose cost line the vendor dropped carries no money, nor does Priority Tier usage (not in the
    // cost report)
    const billed = new Set(d.costLines.map((l) => lineKey(l.workspaceId, l.description)));
    const anth = new Map<string, GroundTruth["costLines"][number] & { nano: bigint }>();
    const addA = (u: UsageRecord, description: string, tokenType: string | null, nano: bigint) => {
      if (nano === 0n || !isBilledTier(u.serviceTier) || !billed.has(lineKey(u.workspaceId, description))) return;
      const k = `${u.apiKeyId}|${u.workspaceId}|${u.model}|${tokenType}`;
      const email = u.key ? keyOwnerOn(world, u.key, day, asOf) : null;
      const cur = anth.get(k) ?? { day, tool: u.tool, email, apiKeyId: u.apiKeyId, workspaceId: u.workspaceId, model: u.model, tokenType, cents: "", nano: 0n };
      cur.nano += nano;
      anth.set(k, cur);
      totals[u.tool] += nano;
    };
    for (const u of d.usage) {
      for (const t of TOKEN_TYPES) addA(u, costDescription(u.model, t, u.serviceTier, u.contextWindow), t, usageCost(u, t));
      addA(u, WEB_SEARCH, null, usageWebSearchCost(u));
    }
    for (const { nano, ...l } of anth.values()) lines.push({ ...l, cents: centsString(nano) });
    // lines with no usage measure (code execution) belong to nobody the vendor names
    for (const l of d.costLines.filter((x) => x.costType === "code_execution")) {
      const tool = l.workspaceId === world.company.claudeCodeWorkspace.id ? "claude_code" : "claude_api";
      lines.push({ day, tool, email: null, apiKeyId: null, workspaceId: l.workspaceId, model: null, tokenType: null, cents: centsString(l.nano) });
      totals[tool] += l.nano;
    }
    for (const tool of ["cursor", "claude_code", "claude_api"] as const) vendorDaily.push({ day, tool, cents: centsString(totals[tool]) });
  }
  return {
    asOf: new Date(asOf).toISOString(), days, people, costLines: lines, vendorDaily,
    claudeCodeWorkspaceId: world.company.claudeCodeWorkspace.id, subscriptionCycleStart: cycleStartOn(world.company, dayOf(asOf)),
  };
}
