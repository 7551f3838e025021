// UTC calendar helpers; a day is always a "YYYY-MM-DD" string.

const DAY_MS = 86_400_000;
export { DAY_MS };

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isDay(s: string): boolean {
  return DAY_RE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
}

export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return dayOf(dayStartMs(day) + n * DAY_MS);
}

export function weekday(day: string): number {
  return new Date(dayStartMs(day)).getUTCDay();
}

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}
