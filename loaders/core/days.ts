// UTC days as YYYY-MM-DD strings: every window in this project is a UTC day or a run of them.
export type Day = string;

const DAY_MS = 86_400_000;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isDay(value: string): boolean {
  if (!DAY_RE.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && dayOf(ms) === value; // rejects 2025-02-30 as well as 2025-13-01
}

export function dayOf(ms: number): Day {
  return new Date(ms).toISOString().slice(0, 10);
}

export function today(now: Date = new Date()): Day {
  return dayOf(now.getTime());
}

export function addDays(day: Day, n: number): Day {
  return dayOf(startMs(day) + n * DAY_MS);
}

/** Epoch ms of the day's first millisecond. */
export function startMs(day: Day): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** Epoch ms of the day's last millisecond: Cursor's bounds are inclusive. */
export function endMs(day: Day): number {
  return startMs(day) + DAY_MS - 1;
}

export function daysInRange(start: Day, end: Day): number {
  return Math.round((startMs(end) - startMs(start)) / DAY_MS) + 1;
}

export interface DayRange {
  start: Day;
  end: Day; // inclusive
}

/** Splits [start, end] into consecutive ranges of at most maxDays days. */
export function chunkRange(range: DayRange, maxDays: number): DayRange[] {
  const chunks: DayRange[] = [];
  for (let start = range.start; start <= range.end; start = addDays(start, maxDays)) {
    const end = addDays(start, maxDays - 1);
    chunks.push({ start, end: end < range.end ? end : range.end });
  }
  return chunks;
}
