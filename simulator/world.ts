// The company as the vendors hold it at a moment: a clock ("today" is the UTC day of now()), a history the vendors
// serve ([today - historyDays, today]), today's partial data, and the restatements applied so far. The days
// themselves (activity.ts) never change; everything here is a view of them at a time `at` (epoch ms).
import { DayCache, type CursorEvent, type DayData, type UsageRecord } from "./activity.ts";
import { type Company } from "./company.ts";
import { addDays, dayOf } from "./dates.ts";
import { costLines, type CostLine } from "./ledger.ts";

/** What a restatement changes, kept apart from its public description (restate.ts). */
export type Effect =
  | { kind: "event"; day: string; seq: number; eventKind: string; chargeable: boolean; chargedNano: bigint }
  | { kind: "drop_line"; day: string; workspaceId: string | null; description: string }
  | { kind: "late_line"; day: string; usage: UsageRecord }
  | { kind: "key_owner"; day: string; apiKeyId: string; ownerEmail: string; note: string }
  | { kind: "move_person"; day: string; email: string; rowFrom: string | null; team: string }
  | { kind: "delete_person"; day: string; email: string };

export interface Applied { at: number; effect: Effect }

/** One day as served at a moment: partial when it is today, restatements applied. */
export interface ServedDay {
  day: string;
  /** the day is over: aggregated reports (daily usage, Anthropic, Claude Code) have it */
  complete: boolean;
  cursorEvents: CursorEvent[];
  cursorDaily: DayData["cursorDaily"];
  usage: UsageRecord[];
  claudeCode: DayData["claudeCode"];
  costLines: CostLine[];
}

export class World {
  readonly cache: DayCache;
  readonly seed: number;
  private readonly applied: Applied[] = [];

  constructor(readonly company: Company, readonly historyDays: number, readonly now: () => number) {
    this.cache = new DayCache(company);
    this.seed = company.options.seed;
  }

  /** the same world with its clock stopped at `at`: one response describes one moment */
  at(at: number): World {
    return Object.assign(Object.create(this) as World, { now: () => at });
  }

  today(at = this.now()): string {
    return dayOf(at);
  }

  /** the first day the vendors still serve at `at` */
  historyStart(at = this.now()): string {
    return addDays(this.today(at), -this.historyDays);
  }

  inHistory(day: string, at = this.now()): boolean {
    return day >= this.historyStart(at) && day <= this.today(at);
  }

  record(effect: Effect, at: number): void {
    this.applied.push({ at, effect });
  }

  /** effects applied at or before `at`, oldest first */
  effects(at = this.now()): Effect[] {
    return this.applied.filter((a) => a.at <= at).map((a) => a.effect);
  }

  /** The day as the vendors hold it at `at`, history limits aside (the spend snapshot sums a whole billing cycle). */
  held(day: string, at = this.now()): ServedDay {
    const today = this.today(at);
    const complete = day < today;
    if (day > today) return empty(day);
    const raw = this.cache.get(day);
    const effects = this.effects(at).filter((e) => e.day === day);
    const edits = new Map(effects.flatMap((e) => (e.kind === "event" ? [[e.seq, e] as const] : [])));
    const cursorEvents = raw.cursorEvents
      .filter((e) => complete || e.ts <= at)
      .map((e) => {
        const edit = edits.get(e.seq);
        return edit ? { ...e, kind: edit.eventKind, chargeable: edit.chargeable, chargedNano: edit.chargedNano } : e;
      });
    if (!complete) return { ...empty(day), cursorEvents };
    const usage = [...raw.usage, ...effects.flatMap((e) => (e.kind === "late_line" ? [e.usage] : []))];
    const dropped = new Set(effects.flatMap((e) => (e.kind === "drop_line" ? [`${e.workspaceId}|${e.description}`] : [])));
    return {
      day, complete, cursorEvents, cursorDaily: raw.cursorDaily, usage, claudeCode: raw.claudeCode,
      costLines: costLines(usage, raw.codeExecution).filter((l) => !dropped.has(`${l.workspaceId}|${l.description}`)),
    };
  }

  /** What a vendor answers for the day at `at`: nothing outside the history. */
  served(day: string, at = this.now()): ServedDay {
    return this.inHistory(day, at) ? this.held(day, at) : empty(day);
  }
}

function empty(day: string): ServedDay {
  return { day, complete: false, cursorEvents: [], cursorDaily: new Map(), usage: [], claudeCode: [], costLines: [] };
}
