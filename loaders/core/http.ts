// The one HTTP client every source uses: ky for the request, plus one retry loop that covers what ky's own retry
// cannot: a body cut off mid-JSON, and Retry-After measured in vendor time (see Config.timeScale).
import ky, { type KyInstance } from "ky";
import type { z } from "zod";
import type { Logger } from "./log.ts";
import type { Pacer } from "./pacer.ts";
import { redact } from "./redact.ts";

export const USER_AGENT = "ai-usage-analytics/0.1 (+https://github.com/ai-usage-analytics/ai-usage-analytics)";

export interface RequestStats {
  requests: number;
  retries: number;
  bytes: number;
}

export interface HttpClientOptions {
  vendor: string;
  baseUrl: string;
  /** Auth and version headers; a function so tokens can refresh. */
  headers: Record<string, string> | (() => Promise<Record<string, string>>);
  log: Logger;
  timeScale?: number;
  timeoutMs?: number;
  maxAttempts?: number;
}

export interface RequestOptions {
  pacer: Pacer;
  stats?: RequestStats;
  searchParams?: URLSearchParams;
  json?: unknown;
}

export class HttpError extends Error {
  constructor(
    readonly vendor: string,
    readonly status: number | undefined,
    message: string,
  ) {
    super(redact(message));
    this.name = "HttpError";
  }
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504, 529]);

export class HttpClient {
  private readonly ky: KyInstance;
  private readonly timeScale: number;
  private readonly maxAttempts: number;

  constructor(private readonly options: HttpClientOptions) {
    this.timeScale = options.timeScale ?? 1;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.ky = ky.create({
      prefixUrl: options.baseUrl.replace(/\/+$/, ""),
      timeout: options.timeoutMs ?? 60_000,
      retry: 0,
      throwHttpErrors: false,
      headers: { "user-agent": USER_AGENT, accept: "application/json" },
    });
  }

  get(path: string, opts: RequestOptions): Promise<unknown> {
    return this.request("get", path, opts);
  }

  post(path: string, opts: RequestOptions): Promise<unknown> {
    return this.request("post", path, opts);
  }

  /**
   * A page of a list endpoint, checked against the envelope it must have (data array, paging fields): a page of
   * another shape is a vendor change, which fails the stream instead of landing nothing silently.
   */
  async page<T extends z.ZodType>(method: "get" | "post", path: string, envelope: T, opts: RequestOptions): Promise<z.infer<T>> {
    const parsed = envelope.safeParse(await this.request(method, path, opts));
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new HttpError(this.options.vendor, 200, `${this.options.vendor} /${path}: unexpected response shape: ${issue?.path.join(".")} ${issue?.message}`);
  }

  private request(method: "get" | "post", path: string, opts: RequestOptions): Promise<unknown> {
    const what = `${this.options.vendor} ${method.toUpperCase()} /${path.replace(/^\//, "")}`;
    return this.call(what, opts, async () => {
      const response = await this.ky(path.replace(/^\//, ""), {
        method,
        searchParams: opts.searchParams,
        json: opts.json,
        headers: typeof this.options.headers === "function" ? await this.options.headers() : this.options.headers,
      });
      const text = await response.text();
      if (opts.stats) opts.stats.bytes += Buffer.byteLength(text);
      if (!response.ok) return { status: response.status, body: text, retryAfter: response.headers.get("retry-after") };
      try {
        return { body: JSON.parse(text) as unknown };
      } catch {
        return { failure: `response body is not complete JSON (${text.length} bytes)` };
      }
    });
  }

  /**
   * One vendor call with the shared retry loop: pacing before every attempt, retries on 429, 5xx, network errors
   * and cut-off bodies (Retry-After in vendor time, else exponential backoff with jitter), other errors at once with
   * the vendor's message. `attempt` sends the request with any client (ky here, Google's API clients elsewhere);
   * a thrown error counts as a network error.
   */
  async call(what: string, opts: Pick<RequestOptions, "pacer" | "stats">, attempt: () => Promise<Attempt>): Promise<unknown> {
    for (let n = 1; ; n++) {
      await opts.pacer.wait();
      if (opts.stats) opts.stats.requests++;
      let retryAfterMs: number | undefined;
      let failure: string;
      let outcome: Attempt;
      try {
        outcome = await attempt();
      } catch (error) {
        outcome = { failure: `network error: ${(error as Error).message}` };
      }
      if ("failure" in outcome) failure = outcome.failure;
      else if (outcome.status === undefined) return outcome.body;
      else {
        failure = `HTTP ${outcome.status}: ${vendorMessage(outcome.body)}`;
        if (!RETRY_STATUS.has(outcome.status)) throw new HttpError(this.options.vendor, outcome.status, `${what} failed: ${failure}`);
        retryAfterMs = parseRetryAfter(outcome.retryAfter ?? null);
      }
      if (n >= this.maxAttempts) {
        throw new HttpError(this.options.vendor, undefined, `${what} failed after ${n} attempts: ${failure}`);
      }
      // Retry-After when the vendor gives it, else exponential backoff 1, 2, 4, 8, 16 s with jitter.
      const backoffMs = Math.min(16_000, 1000 * 2 ** (n - 1)) * (0.5 + Math.random() * 0.5);
      const delayMs = (retryAfterMs ?? backoffMs) / this.timeScale;
      if (opts.stats) opts.stats.retries++;
      this.options.log.warn({ vendor: this.options.vendor, attempt: n, delayMs: Math.round(delayMs) }, `${what}: ${failure}; retrying`);
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/** What one attempt of a call gave: a body (with the HTTP status when it is an error), or a failure to retry. */
export type Attempt = { body: unknown; status?: undefined } | { status: number; body: string; retryAfter?: string | null } | { failure: string };

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * The human message of any of the vendors' error bodies: Anthropic {error:{type,message}}, Cursor
 * {error, message} or {code, message}, Google {error:{code,message,status}}.
 */
export function vendorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const error = parsed.error;
    if (error && typeof error === "object") {
      const e = error as Record<string, unknown>;
      return [e.type ?? e.status, e.message].filter(Boolean).join(": ");
    }
    return [typeof error === "string" ? error : undefined, parsed.message].filter(Boolean).join(": ") || body.slice(0, 300);
  } catch {
    return body.slice(0, 300);
  }
}
