// A stream is a small declarative unit: where it comes from, which windows it is fetched in, how it pages,
// what a valid record looks like, and what identifies a record. load.ts does the rest the same way for all.
import type { z } from "zod";
import type { Day, DayRange } from "./days.ts";
import type { RequestStats } from "./http.ts";

export type SourceName = "cursor" | "anthropic" | "mapping";

export type WindowRule =
  | { kind: "snapshot" } // only knows the present: fetched once per run, dated the run's day
  | { kind: "range"; maxDays: number }; // history: fetched in chunks of at most maxDays days

/** A record as it lands: the vendor's object untouched, and the UTC day window it belongs to. */
export interface FetchedRecord {
  windowDate: Day;
  windowStart: string;
  windowEnd: string;
  record: unknown;
}

/** What the last landed snapshot of a stream looked like: for guards against a snapshot that shrinks sharply. */
export interface SnapshotShape {
  runId: string;
  rows: number;
  /** The record's keys (a mapping tab's columns). */
  columns: string[];
}

export interface FetchContext {
  /** The chunk to fetch; for snapshots the run's day. */
  window: DayRange;
  stats: RequestStats;
  /** The stream's last landed snapshot, read from its raw table; undefined when there is none (or a dry run). */
  previous?: () => Promise<SnapshotShape | undefined>;
}

export interface StreamDef {
  source: SourceName;
  name: string;
  window: WindowRule;
  /** Permissive on optional fields, strict on keys; the record is stored untouched either way. */
  schema: z.ZodType;
  /** Yields one array of records per page, to the last page. */
  fetch(ctx: FetchContext): AsyncIterable<FetchedRecord[]>;
}

/** Window bounds of a whole UTC day. */
export function dayWindow(day: Day): Pick<FetchedRecord, "windowDate" | "windowStart" | "windowEnd"> {
  const start = `${day}T00:00:00.000Z`;
  return { windowDate: day, windowStart: start, windowEnd: nextDayStart(day) };
}

let lastDay = "";
let lastEnd = "";
/** Called once per record: remembers the last day's answer instead of parsing dates again. */
function nextDayStart(day: Day): string {
  if (day !== lastDay) {
    lastEnd = new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString();
    lastDay = day;
  }
  return lastEnd;
}
