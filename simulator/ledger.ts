// Money views derived from the generated activity: the cost report's line items, the Cursor spend
// snapshot, and the ground truth. All sums are bigint nanocents, so they agree exactly.
import { costDescription, TEAMS_BY_NAME, teamOn, TOKEN_TYPES, type Company, type Person, type TokenType } from "./company.ts";
import { usageCost, usageWebSearchCost, type DayCache, type DayData } from "./activity.ts";
import { centsString } from "./money.ts";

export interface CostLine {
  workspaceId: string | null;
  description: string;
  costType: "tokens" | "web_search";
  tokenType: TokenType | null;
  model: string | null;
  serviceTier: string | null;
  contextWindow: string | null;
  inferenceGeo: string | null;
  nano: bigint;
}

/** the cost report's finest line items for one day: (workspace, description) */
export function costLines(d: DayData): CostLine[] {
  const lines = new Map<string, CostLine>();
  const add = (l: Omit<CostLine, "nano">, nano: bigint) => {
    if (nano === 0n) return;
    const k = `${l.workspaceId}|${l.description}`;
    const cur = lines.get(k);
    if (cur) cur.nano += nano;
    else lines.set(k, { ...l, nano });
  };
  for (const u of d.usage) {
    for (const t of TOKEN_TYPES) {
      add({
        workspaceId: u.workspaceId, description: costDescription(u.model, t, u.serviceTier, u.contextWindow), costType: "tokens", tokenType: t,
        model: u.model, serviceTier: u.serviceTier, contextWindow: u.contextWindow, inferenceGeo: u.inferenceGeo,
      }, usageCost(u, t));
    }
    add({ workspaceId: u.workspaceId, description: "Web Search Usage", costType: "web_search", tokenType: null, model: null, serviceTier: null, contextWindow: null, inferenceGeo: null }, usageWebSearchCost(u));
  }
  return [...lines.values()];
}

export interface SpendRow { person: Person; spendNano: bigint; overallNano: bigint; fastPremiumRequests: number }

/** Cursor's billing-cycle snapshot: every event since subscriptionCycleStart through the last simulated day */
export function spendRows(c: Company, cache: DayCache): SpendRow[] {
  const rows = new Map<number, SpendRow>();
  for (const p of c.people) if (p.cursor) rows.set(p.index, { person: p, spendNano: 0n, overallNano: 0n, fastPremiumRequests: 0 });
  for (const day of c.days) {
    if (day < c.cycleStart) continue;
    for (const e of cache.get(day).cursorEvents) {
      const row = rows.get(e.person.index)!;
      row.overallNano += e.chargedNano;
      if (e.kind === "Usage-based") {
        row.spendNano += e.chargedNano;
        row.fastPremiumRequests += e.requestsCosts;
      }
    }
  }
  return [...rows.values()];
}

export interface GroundTruth {
  days: string[];
  people: {
    email: string; name: string; team: string; department: string; costCenter: string; inMapping: boolean;
    /** team history, oldest first (`from` null = before the window) */
    teams: { team: string; department: string; costCenter: string; from: string | null }[];
  }[];
  costLines: {
    day: string; tool: "cursor" | "claude_code" | "claude_api"; email: string | null; apiKeyId: string | null;
    workspaceId: string | null; model: string; tokenType: string | null; cents: string;
  }[];
  vendorDaily: { day: string; tool: string; cents: string }[];
  /** extra facts tests of the pipeline use */
  claudeCodeWorkspaceId: string;
  subscriptionCycleStart: string;
}

export function groundTruth(c: Company, cache: DayCache): GroundTruth {
  const people = c.people.map((p) => {
    const last = teamOn(p, c.days[c.days.length - 1]!);
    const t = TEAMS_BY_NAME.get(last)!;
    return {
      email: p.email, name: p.name, team: last, department: t.department, costCenter: t.costCenter, inMapping: p.inMapping,
      teams: p.teams.map((s) => ({ team: s.team, department: TEAMS_BY_NAME.get(s.team)!.department, costCenter: TEAMS_BY_NAME.get(s.team)!.costCenter, from: s.from })),
    };
  });
  const lines: GroundTruth["costLines"] = [];
  const vendorDaily: GroundTruth["vendorDaily"] = [];
  for (const day of c.days) {
    const d = cache.get(day);
    const totals = { cursor: 0n, claude_code: 0n, claude_api: 0n };
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
    // Anthropic at key x workspace x model x token type grain (tiers, context windows and local/remote summed)
    const anth = new Map<string, GroundTruth["costLines"][number] & { nano: bigint }>();
    const addA = (u: (typeof d.usage)[number], tokenType: string | null, nano: bigint) => {
      if (nano === 0n) return;
      const k = `${u.apiKeyId}|${u.workspaceId}|${u.model}|${tokenType}`;
      const cur = anth.get(k) ?? { day, tool: u.tool, email: u.ownerEmail, apiKeyId: u.apiKeyId, workspaceId: u.workspaceId, model: u.model, tokenType, cents: "", nano: 0n };
      cur.nano += nano;
      anth.set(k, cur);
      totals[u.tool] += nano;
    };
    for (const u of d.usage) {
      for (const t of TOKEN_TYPES) addA(u, t, usageCost(u, t));
      addA(u, null, usageWebSearchCost(u));
    }
    for (const { nano, ...l } of anth.values()) lines.push({ ...l, cents: centsString(nano) });
    for (const tool of ["cursor", "claude_code", "claude_api"] as const) vendorDaily.push({ day, tool, cents: centsString(totals[tool]) });
  }
  return { days: [...c.days], people, costLines: lines, vendorDaily, claudeCodeWorkspaceId: c.claudeCodeWorkspace.id, subscriptionCycleStart: c.cycleStart };
}
