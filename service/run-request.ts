// The body of POST /run-daily-job: the default (yesterday plus the loaders' lookback), `days` ending yesterday,
// or an explicit UTC date range (start, optional end).
import { z } from "zod";

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a UTC date YYYY-MM-DD")
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), "is not a real date");

export const RunRequestSchema = z
  .strictObject({
    mode: z.enum(["dry_run", "development", "production"], "mode must be dry_run, development or production"),
    days: z.number().int().min(1).max(400).optional(),
    start: isoDate.optional(),
    end: isoDate.optional(),
    /** Days re-fetched before the range for late data; the scheduled run's default is DAILY_LOOKBACK_DAYS. */
    lookback: z.number().int().min(0).max(30).optional(),
  })
  .refine((r) => !(r.days !== undefined && r.start), { message: "give either days or start (with an optional end), not both", path: ["days"] })
  .refine((r) => !(r.end && r.end > todayUtc()), { message: "must not be in the future (UTC)", path: ["end"] })
  .refine((r) => !(r.start && r.start > (r.end ?? yesterdayUtc())), { message: "must not be after end (end defaults to yesterday, UTC)", path: ["start"] });

// The same rules as the loaders' resolveRange, checked here so a bad request is a 400, not a failed run.
const todayUtc = () => new Date().toISOString().slice(0, 10);
const yesterdayUtc = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

export type RunRequest = z.infer<typeof RunRequestSchema>;

/** Late data: the vendors restate recent days (Anthropic reports within minutes to hours, Cursor hourly). */
export const DAILY_LOOKBACK_DAYS = 3;

/** The loader options of a request: a daily run (no explicit start) re-loads the lookback too. */
export function loadOptionsOf(request: RunRequest): RunRequest & { lookback: number } {
  return { ...request, lookback: request.lookback ?? (request.start ? 0 : DAILY_LOOKBACK_DAYS) };
}

/** A clear one-line message for a 400 response. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}
