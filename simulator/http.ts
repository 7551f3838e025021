// Shared pieces of the route handlers: errors, record emission (invalid records, unknown fields), parameters.
import { isInvalid } from "./faults.ts";
import type { World } from "./world.ts";

export type Vendor = "cursor" | "anthropic" | "sheets";

/** thrown by handlers; the server renders it in the vendor's error shape */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Collects the records of one response so the server can count them once the body is fully delivered. */
export class RecordSink {
  readonly byStream = new Map<string, { keys: string[]; invalid: string[] }>();
  constructor(private readonly seed: number, private readonly invalidFraction: number, readonly unknownFields: boolean) {}

  add<T extends object>(stream: string, key: string, record: T, invalidate: (r: T) => void): T {
    let s = this.byStream.get(stream);
    if (!s) this.byStream.set(stream, (s = { keys: [], invalid: [] }));
    s.keys.push(key);
    if (isInvalid(this.seed, this.invalidFraction, stream, key)) {
      invalidate(record);
      s.invalid.push(key);
    }
    if (this.unknownFields) Object.assign(record, { unknown_field_sim: { note: "added by a newer API version" } });
    return record;
  }
}

export interface Ctx {
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  world: World;
  sink: RecordSink;
}

export interface Route {
  vendor: Vendor;
  method: "GET" | "POST";
  path: RegExp;
  /** served()/requestStats() name, e.g. "cursor.daily_usage" */
  stream: string;
  /** rate-limit family and its requests per minute */
  family: string;
  perMinute: number;
  handle(ctx: Ctx, match: RegExpMatchArray): unknown;
}

/** integer query/body parameter with bounds; absent -> fallback */
export function intParam(raw: unknown, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === null || raw === "") return fallback;
  const n = typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n)) throw new HttpError(400, `${name}: must be an integer, got ${JSON.stringify(raw)}`);
  if (n < min) throw new HttpError(400, `${name}: must be greater than or equal to ${min}`);
  if (n > max) throw new HttpError(400, `${name}: must be less than or equal to ${max}`);
  return n;
}

/** opaque page cursors: base64url of a small JSON state */
export function encodeCursor(state: object): string {
  return `page_${Buffer.from(JSON.stringify(state)).toString("base64url")}`;
}

export function decodeCursor<T>(raw: string, check: (v: unknown) => v is T): T {
  try {
    const v: unknown = JSON.parse(Buffer.from(raw.replace(/^page_/, ""), "base64url").toString("utf8"));
    if (check(v)) return v;
  } catch {
    // fall through to the error below
  }
  throw new HttpError(400, `page: invalid page token ${JSON.stringify(raw)}`);
}
