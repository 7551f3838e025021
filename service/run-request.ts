// The body of POST /run-daily-job: either the default (yesterday plus lookback), `days` back from yesterday,
// or an explicit UTC date range.
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
  })
  .refine((r) => !(r.days !== undefined && (r.start || r.end)), { message: "give either days or start/end, not both", path: ["days"] })
  .refine((r) => !(r.end && !r.start), { message: "end needs start", path: ["end"] })
  .refine((r) => !(r.start && r.end && r.start > r.end), { message: "start must not be after end", path: ["start"] })
  .refine((r) => !(r.end && r.end >= new Date().toISOString().slice(0, 10)), { message: "end must be before today (UTC days are loaded once complete)", path: ["end"] });

export type RunRequest = z.infer<typeof RunRequestSchema>;

/** A clear one-line message for a 400 response. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}
