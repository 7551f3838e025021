// Whole-tab checks of the mapping, before any row lands: a tab that breaks one is refused whole and names the
// rule, the row and the fix. Row types are the stream schema's business (a bad row is quarantined, not fatal).
import type { z } from "zod";
import type { SnapshotShape } from "../core/stream.ts";

export class MappingError extends Error {
  override name = "MappingError";
}

export interface TabRules {
  /** Columns the tab must have (docs/data-contract.md). */
  required: readonly string[];
  /** Documented columns a tab may leave out; once a snapshot had one, losing it is refused. */
  optional: readonly string[];
  /** The record's identity (plus window_date): no two rows may share it. */
  naturalKey: readonly string[];
  /** Fewer valid rows than this make the tab useless (an empty people tab puts every cost on unmapped). */
  minRows: number;
  /** A rule across rows of the tab (e.g. one default seat plan per tool): the problems found, each a sentence. */
  check?: (records: Record<string, string>[]) => string[];
}

/** A tab as read: its name for messages ("tab people", "people.csv") and each row with where it is ("row 7", "line 7"). */
export interface TabRows {
  label: string;
  rows: { at: string; cells: unknown[] }[];
}

const MAX_LISTED = 5;
const text = (cell: unknown) => String(cell ?? "").trim();

/** The tab's records keyed by its header (every value a string), or a MappingError listing what is wrong. */
export function checkTab(
  tab: string,
  rules: TabRules,
  schema: z.ZodType,
  tabRows: TabRows,
  previous: SnapshotShape | undefined,
  maxShrinkPercent: number,
): Record<string, string>[] {
  const problems: string[] = [];
  const nonBlank = tabRows.rows.filter((r) => r.cells.some((cell) => text(cell) !== ""));
  const [header, ...rows] = nonBlank;
  if (!header) {
    throw new MappingError(`mapping ${tabRows.label} is empty: it needs a header row (${rules.required.join(", ")}) and a row per ${tab === "people" ? "person" : "entry"}; nothing of this tab was loaded, the models keep its last good snapshot`);
  }
  const columns = header.cells.map((cell) => text(cell).toLowerCase());
  columns.forEach((name, i) => {
    const first = columns.indexOf(name);
    if (name && first !== i) problems.push(`${header.at}: column ${name} appears twice (columns ${first + 1} and ${i + 1}); keep one`);
  });
  const missing = rules.required.filter((c) => !columns.includes(c));
  if (missing.length) {
    problems.push(`${header.at}: no column ${missing.join(", ")} (required: ${rules.required.join(", ")}); add it to the header row`);
  }

  const records = rows.map(({ at, cells }) => {
    if (cells.length > columns.length) problems.push(`${at}: ${cells.length} cells but the header has ${columns.length}; quote values that contain commas, or name the extra column`);
    return { at, record: Object.fromEntries(columns.flatMap((k, i) => (k ? [[k, text(cells[i])]] : []))) as Record<string, string> };
  });

  const keyColumns = rules.naturalKey.filter((k) => k !== "window_date");
  const seen = new Map<string, string>();
  for (const { at, record } of records) {
    if (!text(record[keyColumns[0]!])) continue; // a row without its key is quarantined by the row rules
    const key = keyColumns.map((k) => text(record[k]).toLowerCase()).join("\u0000");
    const first = seen.get(key);
    if (first) {
      const shown = keyColumns.map((k) => `${k} ${JSON.stringify(record[k] ?? "")}`).join(", ");
      problems.push(`${at}: same ${shown} as ${first}; one row per ${keyColumns.join(" and ")}: delete or correct one`);
    } else seen.set(key, at);
  }

  if (rules.check) problems.push(...rules.check(records.filter(({ record }) => schema.safeParse(record).success).map((r) => r.record)));
  const valid = records.filter(({ record }) => schema.safeParse(record).success).length;
  if (valid < rules.minRows) problems.push(`no valid rows: every cost would land on unmapped; add a row per person`);
  if (previous) {
    // Required columns are checked above; an optional one the last snapshot had must not vanish either.
    const lost = previous.columns.filter((c) => rules.optional.includes(c) && !columns.includes(c));
    if (lost.length) problems.push(`column ${lost.join(", ")} is gone but the last good snapshot (run ${previous.runId}) had it; put it back (empty cells are fine)`);
    if (valid < previous.rows * (1 - maxShrinkPercent / 100)) {
      problems.push(
        `${valid} valid rows, down from ${previous.rows} in the last good snapshot (run ${previous.runId}), more than ${maxShrinkPercent} % fewer; ` +
          `if the tab really shrank, load once with MAPPING_MAX_SHRINK_PERCENT=100`,
      );
    }
  }
  if (problems.length) {
    const listed = problems.slice(0, MAX_LISTED).join("; ");
    const more = problems.length > MAX_LISTED ? ` (and ${problems.length - MAX_LISTED} more)` : "";
    throw new MappingError(`mapping ${tabRows.label} refused: ${listed}${more}; nothing of this tab was loaded, the models keep its last good snapshot`);
  }
  return records.map((r) => r.record);
}
