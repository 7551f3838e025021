// The company's own mapping as of a moment: the HR sheet's people (everyone employed within the history, leavers
// kept, an undated first row and a dated row per move, edits applied) and the api_key_owners rows. The Sheets tabs
// render it; the ground truth reads team history and key owners from it, so both tell the same story.
import { teamSpells, type ApiKey, type Person, type TeamSpell } from "./company.ts";
import type { Effect, World } from "./world.ts";

export interface SheetPerson {
  person: Person;
  /** the person's rows in the people tab (none once deleted) */
  rows: TeamSpell[];
  /** team history as the sheet tells it: dated rows from their date, in-place edits from their day, null = removed */
  spells: { team: string | null; from: string | null }[];
}

/** The people tab's persons at `at`, in hire order; the two the mapping forgot are not there. */
export function peopleSheet(world: World, at = world.now()): SheetPerson[] {
  const today = world.today(at), start = world.historyStart(at);
  const effects = world.effects(at);
  return world.company.roster
    .hiredBy(today)
    .filter((p) => p.inMapping && (p.left === null || p.left > start))
    .map((p) => sheetPerson(p, today, effects));
}

function sheetPerson(person: Person, today: string, effects: Effect[]): SheetPerson {
  const rows = teamSpells(person, today).map((s) => ({ ...s }));
  const edits: SheetPerson["spells"] = [];
  let deleted: string | null = null;
  for (const e of effects) {
    if (deleted !== null || !("email" in e) || e.email !== person.email) continue;
    if (e.kind === "move_person") {
      const row = rows.find((r) => r.from === e.rowFrom);
      if (row) row.team = e.team;
      edits.push({ team: e.team, from: e.day });
    } else if (e.kind === "delete_person") {
      deleted = e.day;
      edits.push({ team: null, from: e.day });
    }
  }
  // the rows as first written, then the edits from their day on; nothing is added once the person is deleted
  const spells = [...teamSpells(person, today), ...edits]
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => deleted === null || s.from === null || s.from <= deleted)
    .sort((a, b) => ((a.s.from ?? "") < (b.s.from ?? "") ? -1 : (a.s.from ?? "") > (b.s.from ?? "") ? 1 : a.i - b.i))
    .map(({ s }) => s);
  return { person, rows: deleted === null ? rows : [], spells };
}

/** the api_key_owners tab at `at` */
export function keyOwnerRows(world: World, at = world.now()): { apiKeyId: string; ownerEmail: string; note: string }[] {
  const rows = world.company.keyOwnerOverrides.map((o) => ({ ...o }));
  for (const e of world.effects(at)) {
    if (e.kind !== "key_owner") continue;
    const row = rows.find((r) => r.apiKeyId === e.apiKeyId);
    if (row) row.ownerEmail = e.ownerEmail;
    else rows.push({ apiKeyId: e.apiKeyId, ownerEmail: e.ownerEmail, note: e.note });
  }
  return rows;
}

/** whom a key's money belongs to on `day`, by the mapping as of `asOf` (an edit counts from its day on) */
export function keyOwnerOn(world: World, key: ApiKey, day: string, asOf = world.now()): string | null {
  let owner = key.ownerEmail;
  for (const e of world.effects(asOf)) if (e.kind === "key_owner" && e.apiKeyId === key.id && e.day <= day) owner = e.ownerEmail;
  return owner;
}
