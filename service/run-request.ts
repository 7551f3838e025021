// The body of POST /run-daily-job: the default (yesterday plus the loaders' lookback), `days` ending yesterday,
// or an explicit UTC date range (start, optional end); fullRefresh rebuilds the incremental tables.
import { z } from "zod";
import { OptionsError, resolveRange } from "../loaders/index.ts";

export const RunRequestSchema = z
  .strictObject({
    mode: z.enum(["dry_run", "development", "production"], "mode must be dry_run, development or production"),
    days: z.number().int().min(1).max(400).optional(),
    start: z.string().optional(),
    end: z.string().optional(),
    /** Days re-fetched before the range for late data; the scheduled run's default is DAILY_LOOKBACK_DAYS. */
    lookback: z.number().int().min(0).max(30).optional(),
    /** Rebuild the incremental tables from all raw data (repairs); Dataform's fullyRefreshIncrementalTablesEnabled. */
    fullRefresh: z.boolean("fullRefresh must be true or false").optional(),
  })
  // The loaders' own range rules (days or start, real dates, end not in the future, start not after end): a bad
  // range is a 400 here, not a failed run.
  .superRefine((r, ctx) => {
    try {
      resolveRange(loadOptionsOf(r));
    } catch (error) {
      if (!(error instanceof OptionsError)) throw error;
      ctx.addIssue({ code: "custom", message: error.message });
    }
  });

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
