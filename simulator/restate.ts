// Restatement switches: the vendors and the company change what they already said, at the clock's current time,
// and every response from then on shows it. Each switch returns a plain description of what changed; the target is
// chosen deterministically from (seed, restatement index, day) unless given.
import { ANTHROPIC_MODELS, TEAMS, TOKEN_TYPES } from "./catalog.ts";
import { SMALL, tokens, usageRecord, usageCost, type CursorEvent } from "./activity.ts";
import { during, keysBy, type ApiKey } from "./company.ts";
import { addDays, isDay, rfc3339 } from "./dates.ts";
import { keyOwnerOn, keyOwnerRows, peopleSheet, type SheetPerson } from "./mapping.ts";
import { centsNumber, centsString, nanoFromCents } from "./money.ts";
import { rng, type Rng } from "./rng.ts";
import type { Effect, World } from "./world.ts";

export const RESTATEMENT_KINDS = ["reclassify_event", "restate_amount", "drop_line", "late_line", "change_key_owner", "move_person", "delete_person"] as const;
export type RestatementKind = (typeof RESTATEMENT_KINDS)[number];

export interface RestateOptions {
  /** the day whose data changes (event and line kinds; default a day of the history); sheet edits happen today */
  day?: string;
  /** reclassify_event, restate_amount: the event, by its conversationId */
  conversationId?: string;
  /** restate_amount: the new chargedCents (default: a discount of 10-50 %) */
  chargedCents?: number;
  /** drop_line: the line, by workspace (null = Default Workspace) and description */
  workspaceId?: string | null;
  description?: string;
  /** late_line, change_key_owner: the API key */
  apiKeyId?: string;
  /** change_key_owner: the new owner (a mapped person) */
  ownerEmail?: string;
  /** move_person, delete_person: the person */
  email?: string;
  /** move_person: the new team */
  team?: string;
}

export interface Restatement {
  index: number;
  kind: RestatementKind;
  /** the UTC day whose data changed; for sheet edits the day of the edit (attribution changes from it on) */
  day: string;
  /** when it was applied (the simulator's clock), RFC 3339 */
  appliedAt: string;
  /** the record, line, key or person affected */
  target: Record<string, unknown>;
  old: Record<string, unknown> | null;
  new: Record<string, unknown> | null;
  summary: string;
}

/** a restatement that cannot be made as asked (HTTP 400) */
export class RestateError extends Error {}

const SHEET_KINDS = new Set<RestatementKind>(["change_key_owner", "move_person", "delete_person"]);
const ANTHROPIC_KINDS = new Set<RestatementKind>(["drop_line", "late_line"]);

export class Restatements {
  private readonly applied: Restatement[] = [];
  constructor(private readonly world: World) {}

  list(): Restatement[] {
    return structuredClone(this.applied);
  }

  apply(kind: RestatementKind, options: RestateOptions = {}): Restatement {
    if (!(RESTATEMENT_KINDS as readonly string[]).includes(kind)) throw new RestateError(`kind must be one of ${RESTATEMENT_KINDS.join(", ")}, got ${JSON.stringify(kind)}`);
    const w = this.world, at = w.now(), today = w.today(at), index = this.applied.length;
    let made: Made;
    if (SHEET_KINDS.has(kind)) {
      if (options.day !== undefined && options.day !== today) throw new RestateError(`${kind} is a sheet edit made now: its day is today (${today}), not ${options.day}`);
      const r = rng(w.seed, "restate", index, kind, today);
      made = kind === "change_key_owner" ? changeKeyOwner(w, r, at, options) : kind === "move_person" ? movePerson(w, r, at, options) : deletePerson(w, r, at, options);
    } else {
      made = this.onDay(kind, index, at, options);
    }
    w.record(made.effect, at);
    const restatement: Restatement = { index, kind, day: made.effect.day, appliedAt: rfc3339(at), target: made.target, old: made.old, new: made.new, summary: made.summary };
    this.applied.push(restatement);
    return structuredClone(restatement);
  }

  /** event and line kinds: on the given day, or the first day with a candidate from a day picked in the history */
  private onDay(kind: RestatementKind, index: number, at: number, options: RestateOptions): Made {
    const w = this.world, today = w.today(at), first = w.historyStart(at);
    // Anthropic reports hold complete days only; a Cursor event of today counts once it happened
    const last = ANTHROPIC_KINDS.has(kind) ? addDays(today, -1) : today;
    const make = (day: string) => {
      const r = rng(w.seed, "restate", index, kind, day);
      return kind === "reclassify_event" || kind === "restate_amount" ? eventEdit(w, r, kind, day, at, options) : kind === "drop_line" ? dropLine(w, r, day, at, options) : lateLine(w, r, index, day, at, options);
    };
    if (options.day !== undefined) {
      if (!isDay(options.day)) throw new RestateError(`day must be a YYYY-MM-DD date, got ${JSON.stringify(options.day)}`);
      if (options.day < first || options.day > last) throw new RestateError(`day ${options.day} is outside the days ${kind} can change (${first} .. ${last})`);
      const made = make(options.day);
      if (!made) throw new RestateError(`${kind}: nothing to change on ${options.day}`);
      return made;
    }
    const span = Math.round((Date.parse(last) - Date.parse(first)) / 86_400_000);
    const picked = addDays(first, rng(w.seed, "restate-day", index).int(0, Math.max(0, span - (last === today ? 1 : 0))));
    for (let d = picked; d >= first; d = addDays(d, -1)) {
      const made = make(d);
      if (made) return made;
    }
    for (let d = addDays(picked, 1); d <= last; d = addDays(d, 1)) {
      const made = make(d);
      if (made) return made;
    }
    throw new RestateError(`${kind}: nothing to change in the history (${first} .. ${last})`);
  }
}

interface Made { effect: Effect; target: Record<string, unknown>; old: Record<string, unknown> | null; new: Record<string, unknown> | null; summary: string }

function eventEdit(w: World, r: Rng, kind: "reclassify_event" | "restate_amount", day: string, at: number, o: RestateOptions): Made | null {
  const charged = w.served(day, at).cursorEvents.filter((e) => e.chargeable && e.chargedNano > 0n);
  let e: CursorEvent | undefined;
  if (o.conversationId !== undefined) {
    e = charged.find((x) => x.conversationId === o.conversationId);
    if (!e) throw new RestateError(`${kind}: no charged Cursor event with conversationId ${o.conversationId} on ${day}`);
  } else if (charged.length) {
    e = r.pick(charged);
  }
  if (!e) return null;
  const target = { timestamp: String(e.ts), userEmail: e.person.cursor!.email, conversationId: e.conversationId };
  const old = { kind: e.kind, isChargeable: e.chargeable, chargedCents: centsNumber(e.chargedNano) };
  let next: { kind: string; chargeable: boolean; nano: bigint };
  if (kind === "reclassify_event") {
    next = { kind: "Errored, Not Charged", chargeable: false, nano: 0n };
  } else {
    const nano = o.chargedCents !== undefined ? nanoFromCents(o.chargedCents) : (e.chargedNano * BigInt(100 - r.int(10, 50))) / 100n;
    if (nano < 0n) throw new RestateError(`restate_amount: chargedCents must not be negative, got ${o.chargedCents}`);
    next = { kind: e.kind, chargeable: e.chargeable, nano };
  }
  const now = { kind: next.kind, isChargeable: next.chargeable, chargedCents: centsNumber(next.nano) };
  return {
    effect: { kind: "event", day, seq: e.seq, eventKind: next.kind, chargeable: next.chargeable, chargedNano: next.nano },
    target, old, new: now,
    summary: `Cursor event of ${target.userEmail} at ${new Date(e.ts).toISOString()} (conversation ${e.conversationId}): ${old.kind}, ${old.chargedCents} cents -> ${now.kind}, ${now.chargedCents} cents`,
  };
}

function dropLine(w: World, r: Rng, day: string, at: number, o: RestateOptions): Made | null {
  const lines = w.served(day, at).costLines;
  let line = lines.length ? r.pick(lines) : undefined;
  if (o.description !== undefined || o.workspaceId !== undefined) {
    line = lines.find((l) => (o.workspaceId === undefined || l.workspaceId === o.workspaceId) && (o.description === undefined || l.description === o.description));
    if (!line) throw new RestateError(`drop_line: no cost line ${JSON.stringify({ workspaceId: o.workspaceId, description: o.description })} on ${day}`);
  }
  if (!line) return null;
  const target = { workspaceId: line.workspaceId, description: line.description };
  return {
    effect: { kind: "drop_line", day, ...target },
    target, old: { amount: centsString(line.nano) }, new: null,
    summary: `Anthropic cost line "${line.description}" of workspace ${line.workspaceId ?? "Default"} on ${day} (${centsString(line.nano)} cents) dropped; its usage stays`,
  };
}

function lateLine(w: World, r: Rng, index: number, day: string, at: number, o: RestateOptions): Made | null {
  const usage = w.served(day, at).usage;
  // API keys that could have been used that day (Claude Code keys would need a Claude Code report row too)
  const keys = keysBy(w.company, day).filter((k) => ["user", "service", "batch", "legacy"].includes(k.use) && during(day, k.createdDay, k.archivedDay));
  let key: ApiKey | undefined = keys.length ? r.pick(keys) : undefined;
  if (o.apiKeyId !== undefined) {
    key = keys.find((k) => k.id === o.apiKeyId);
    if (!key) throw new RestateError(`late_line: API key ${o.apiKeyId} could not be used on ${day} (not an API key of the Claude API that existed then)`);
  }
  if (!key) return null;
  // a combination the key has no row for that day, so the late data is a new usage-report row
  const models = [...key.models, ...ANTHROPIC_MODELS.map((m) => m.id).filter((m) => !key.models.includes(m))];
  const combos = [
    ...models.map((model) => ({ model, serviceTier: "standard", contextWindow: "0-200k" })),
    ...models.map((model) => ({ model, serviceTier: "batch", contextWindow: "0-200k" })),
  ];
  const combo = combos.find((c) => !usage.some((u) => u.apiKeyId === key.id && u.model === c.model && u.serviceTier === c.serviceTier && u.contextWindow === c.contextWindow))!;
  const u = usageRecord(w.company, key, combo.model, tokens(rng(w.seed, "late", index, day), 1, SMALL), { serviceTier: combo.serviceTier });
  const nano = TOKEN_TYPES.reduce((s, t) => s + usageCost(u, t), 0n);
  const target = { apiKeyId: key.id, workspaceId: key.workspaceId, model: combo.model, serviceTier: combo.serviceTier, contextWindow: combo.contextWindow };
  return {
    effect: { kind: "late_line", day, usage: u },
    target, old: null, new: { tokens: { ...u.tokens }, cents: centsString(nano) },
    summary: `late Anthropic usage on ${day} for key ${key.name} (${key.id}): ${combo.model} ${combo.serviceTier}, ${centsString(nano)} cents added to the cost report`,
  };
}

/** mapped people in the people tab now, with their rows (not deleted), optionally only those still employed */
function sheetPeople(w: World, at: number, employedOnly: boolean): SheetPerson[] {
  const today = w.today(at);
  return peopleSheet(w, at).filter(({ person: p, rows }) => rows.length > 0 && !p.rotation && (!employedOnly || during(today, p.hired, p.left)));
}

function pickPerson(w: World, r: Rng, at: number, kind: string, email: string | undefined, employedOnly: boolean): SheetPerson {
  const pool = sheetPeople(w, at, employedOnly);
  if (email === undefined) {
    if (!pool.length) throw new RestateError(`${kind}: nobody in the people tab to change`);
    return r.pick(pool);
  }
  const found = pool.find((s) => s.person.email === email.trim().toLowerCase());
  if (!found) throw new RestateError(`${kind}: ${email} is not a mapped person${employedOnly ? " employed today" : ""} in the people tab (the rotating person is left alone)`);
  return found;
}

function changeKeyOwner(w: World, r: Rng, at: number, o: RestateOptions): Made {
  const today = w.today(at);
  const keys = keysBy(w.company, today).filter((k) => ["user", "service", "batch", "legacy"].includes(k.use) && Date.parse(k.createdAt) <= at && (k.archivedDay === null || k.archivedDay > today));
  const key = o.apiKeyId === undefined ? r.pick(keys) : keys.find((k) => k.id === o.apiKeyId);
  if (!key) throw new RestateError(`change_key_owner: ${o.apiKeyId} is not an active API key of the Claude API`);
  const owner = keyOwnerOn(w, key, today, at);
  const candidates = sheetPeople(w, at, true).filter((s) => s.person.email !== owner);
  if (!candidates.length) throw new RestateError("change_key_owner: nobody else in the people tab to own the key");
  const next = o.ownerEmail === undefined ? r.pick(candidates).person.email : candidates.find((s) => s.person.email === o.ownerEmail!.trim().toLowerCase())?.person.email;
  if (!next) throw new RestateError(`change_key_owner: ${o.ownerEmail} is not another mapped person employed today`);
  const hadRow = keyOwnerRows(w, at).some((row) => row.apiKeyId === key.id);
  return {
    effect: { kind: "key_owner", day: today, apiKeyId: key.id, ownerEmail: next, note: "reassigned" },
    target: { apiKeyId: key.id, name: key.name }, old: { ownerEmail: owner }, new: { ownerEmail: next },
    summary: `api_key_owners ${hadRow ? "row changed" : "row added"}: key ${key.name} (${key.id}) belongs to ${next} instead of ${owner ?? "nobody"} from ${today} on`,
  };
}

function movePerson(w: World, r: Rng, at: number, o: RestateOptions): Made {
  const today = w.today(at);
  const { person: p, rows } = pickPerson(w, r, at, "move_person", o.email, true);
  const row = rows.at(-1)!; // the row in force: the latest
  const others = TEAMS.map((t) => t.name).filter((t) => t !== row.team);
  const team = o.team ?? r.pick(others);
  if (!others.includes(team)) throw new RestateError(`move_person: team must be another of ${TEAMS.map((t) => t.name).join(", ")}, got ${JSON.stringify(o.team)}`);
  return {
    effect: { kind: "move_person", day: today, email: p.email, rowFrom: row.from, team },
    target: { email: p.email, effective_from: row.from }, old: { team: row.team }, new: { team },
    summary: `people tab: ${p.email}'s row${row.from ? ` dated ${row.from}` : ""} edited in place from ${row.team} to ${team} (no effective_from) on ${today}`,
  };
}

function deletePerson(w: World, r: Rng, at: number, o: RestateOptions): Made {
  const today = w.today(at);
  const { person: p, rows } = pickPerson(w, r, at, "delete_person", o.email, false);
  return {
    effect: { kind: "delete_person", day: today, email: p.email },
    target: { email: p.email, left: p.left }, old: { rows: rows.length, team: rows.at(-1)!.team }, new: null,
    summary: `people tab: ${p.email}'s ${rows.length} row(s) deleted on ${today}${p.left && p.left <= today ? ` (left on ${p.left})` : ""}`,
  };
}
