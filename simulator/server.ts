// The simulated organization's HTTP server: one loopback listener serving the three vendor APIs under /cursor,
// /anthropic and /sheets, plus /_sim/truth, /_sim/restate, /_sim/restatements and /_sim/served for other processes.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { anthropicRoutes } from "./anthropic.ts";
import { buildCompany } from "./company.ts";
import { cursorRoutes } from "./cursor.ts";
import { addDays, dayOf, isDay } from "./dates.ts";
import { checkFaults, FaultDice, RateLimiter, type FaultOptions } from "./faults.ts";
import { HttpError, RecordSink, type Route, type Vendor } from "./http.ts";
import { groundTruth, type GroundTruth, type TruthRange } from "./ledger.ts";
import { RestateError, Restatements, type Restatement, type RestatementKind, type RestateOptions } from "./restate.ts";
import { rng } from "./rng.ts";
import { sheetsAuthError, sheetsRoutes, spreadsheetIdFor } from "./sheets.ts";
import { World } from "./world.ts";

export type { FaultOptions } from "./faults.ts";
export type { GroundTruth, TruthRange } from "./ledger.ts";
export type { Restatement, RestatementKind, RestateOptions } from "./restate.ts";
export { RESTATEMENT_KINDS } from "./restate.ts";

export interface SimulatorOptions {
  seed?: number;
  users?: number;
  /** the vendors serve the days [today - historyDays, today] */
  historyDays?: number;
  /** the clock, epoch ms; "today" is its UTC day. Default Date.now */
  now?: () => number;
  /** shorthand for a fixed clock at endDate + 1, 06:00 UTC: endDate is yesterday */
  endDate?: string;
  port?: number;
  host?: string;
  /** vendor minutes pass timeScale times faster: rate-limit windows are 60 s / timeScale */
  timeScale?: number;
  /** false disables rate limits; an object may carry timeScale */
  rateLimits?: boolean | { timeScale?: number };
  faults?: FaultOptions;
}

export interface Simulator {
  url: string;
  baseUrls: { cursor: string; anthropic: string; sheets: string };
  credentials: { cursorApiKey: string; anthropicAdminKey: string; sheetsAccessToken: string; spreadsheetId: string };
  /** endDate: yesterday when the simulator started */
  options: { seed: number; users: number; historyDays: number; endDate: string; timeScale: number; rateLimits: boolean };
  /** the clock (epoch ms) and its UTC day */
  now(): number;
  today(): string;
  /** what the vendors billed and whom it belongs to, over [start, end], as served at asOf (default now) */
  truth(range?: TruthRange): GroundTruth;
  /** changes what a vendor or the sheet already said, from now on; throws on a restatement that cannot be made */
  restate(kind: RestatementKind, options?: RestateOptions): Restatement;
  restatements(): Restatement[];
  served(): Record<string, number>;
  invalidServed(): Record<string, number>;
  requestStats(): { total: number; byRoute: Record<string, number>; byStatus: Record<string, number> };
  resetCounters(): void;
  setFaults(f: FaultOptions): void;
  close(): Promise<void>;
}

const ROUTES: Route[] = [...cursorRoutes, ...anthropicRoutes, ...sheetsRoutes];
const PREFIX: Record<Vendor, string> = { cursor: "/cursor", anthropic: "/anthropic", sheets: "/sheets" };
const STREAMS = [
  "cursor.members", "cursor.daily_usage", "cursor.usage_events", "cursor.spend",
  "anthropic.usage_messages", "anthropic.cost_report", "anthropic.claude_code", "anthropic.api_keys", "anthropic.workspaces", "anthropic.users",
  "mapping.people", "mapping.api_key_owners", "mapping.budgets", "mapping.seats",
];

function googleStatus(status: number): string {
  return ({ 400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE" } as Record<number, string>)[status] ?? "UNKNOWN";
}

const ANTHROPIC_TYPES: Record<number, string> = {
  400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 404: "not_found_error", 405: "invalid_request_error",
  429: "rate_limit_error", 500: "api_error", 502: "api_error", 503: "api_error", 529: "overloaded_error",
};
const CURSOR_TITLES: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable" };

/**
 * How many times faster vendor minutes pass for the simulated organization (its rate limits and the loaders' pacing):
 * fast enough that a year of a 2,000-person company loads in minutes, slow enough that the limits still bind.
 * `npm start`, `npm run load -- --simulated`, `npm run simulator` and the benchmark's full-build scenario use it
 * (the server itself defaults to the vendors' real pace, 1).
 */
export const SIMULATED_TIME_SCALE = 30;

/** The organization's size and history when not told otherwise. */
export const SIMULATED_USERS = 40;
export const SIMULATED_HISTORY_DAYS = 365;

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? 42;
  const rateLimitOpt = options.rateLimits ?? true;
  const timeScale = options.timeScale ?? (typeof rateLimitOpt === "object" ? rateLimitOpt.timeScale : undefined) ?? 1;
  if (!(Number.isFinite(timeScale) && timeScale > 0)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
  const world = new World(buildCompany({ seed, users: options.users ?? SIMULATED_USERS }), historyDays(options.historyDays), clock(options));
  const company = world.company;
  const restatements = new Restatements(world);
  const limiter = rateLimitOpt === false ? null : new RateLimiter(timeScale);
  let faults = checkFaults(options.faults ?? {});
  const dice = new FaultDice(seed);

  const r = rng(seed, "credentials");
  const credentials = {
    cursorApiKey: `key_${r.id(64, "0123456789abcdef")}`,
    anthropicAdminKey: `sk-ant-admin01-${r.id(86)}-${r.id(6)}AA`,
    sheetsAccessToken: `ya29.sim_${r.id(120)}`,
    spreadsheetId: spreadsheetIdFor(company),
  };

  let served = new Map<string, Set<string>>(), invalid = new Map<string, Set<string>>();
  let stats = { total: 0, byRoute: {} as Record<string, number>, byStatus: {} as Record<string, number> };
  let requestSeq = 0;
  const truth = (range?: TruthRange) => groundTruth(world, range);

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    res.writeHead(status, { "content-type": typeof body === "string" ? "text/html; charset=utf-8" : "application/json", "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
  };

  const vendorError = (vendor: Vendor, status: number, message: string, requestId: string, alt = false): unknown => {
    if (vendor === "anthropic") return { type: "error", error: { type: ANTHROPIC_TYPES[status] ?? "api_error", message }, request_id: requestId };
    if (vendor === "sheets") return { error: { code: status, message, status: googleStatus(status), ...(status === 429 ? { details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "RATE_LIMIT_EXCEEDED", domain: "googleapis.com", metadata: { quota_metric: "sheets.googleapis.com/read_requests", quota_limit: "ReadRequestsPerMinutePerUser", service: "sheets.googleapis.com" } }] } : {}) } };
    if (status === 429) return alt ? { code: "error", message: "Rate limit exceeded" } : { error: "Too Many Requests", message: "Rate limit exceeded. Please try again later." };
    return { error: CURSOR_TITLES[status] ?? "Error", message };
  };

  const authorized = (vendor: Vendor, req: IncomingMessage): string | null => {
    const h = req.headers;
    if (vendor === "cursor") {
      const m = /^Basic (.+)$/.exec(h.authorization ?? "");
      const decoded = m ? Buffer.from(m[1]!, "base64").toString("utf8") : "";
      return decoded === `${credentials.cursorApiKey}:` ? null : "Invalid API key";
    }
    if (vendor === "anthropic") {
      if (!h["x-api-key"]) return "x-api-key header is required";
      return h["x-api-key"] === credentials.anthropicAdminKey ? null : "invalid x-api-key";
    }
    return sheetsAuthError(h.authorization, credentials.sheetsAccessToken);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname.startsWith("/_sim/")) return simRoute(req, res, url);

    const vendor = (Object.keys(PREFIX) as Vendor[]).find((v) => url.pathname === PREFIX[v] || url.pathname.startsWith(`${PREFIX[v]}/`));
    const requestId = `req_011C${rng(seed, "request", ++requestSeq).id(22)}`;
    const headers: Record<string, string> = vendor === "anthropic" ? { "request-id": requestId, "anthropic-organization-id": company.orgId } : {};
    stats.total++;
    if (!vendor) {
      stats.byRoute.unknown = (stats.byRoute.unknown ?? 0) + 1;
      return send(res, 404, { error: "Not Found", message: `No route for ${url.pathname}` });
    }
    const sub = url.pathname.slice(PREFIX[vendor].length);
    const candidates = ROUTES.filter((rt) => rt.vendor === vendor).map((rt) => [rt, sub.match(rt.path)] as const).filter(([, m]) => m);
    const found = candidates.find(([rt]) => rt.method === req.method);
    const routeName = found?.[0].stream ?? `${vendor}.unknown`;
    stats.byRoute[routeName] = (stats.byRoute[routeName] ?? 0) + 1;
    const fail = (status: number, message: string, extra: Record<string, string> = {}, alt = false) => send(res, status, vendorError(vendor, status, message, requestId, alt), { ...headers, ...extra });

    if (!found) return candidates.length ? fail(405, `Method ${req.method} not allowed`) : fail(404, vendor === "sheets" ? "Requested entity was not found." : "Resource not found");
    const [route, match] = found;

    const authError = authorized(vendor, req);
    if (authError) return fail(401, authError);
    if (vendor === "anthropic" && req.headers["anthropic-version"] !== "2023-06-01") {
      return fail(400, req.headers["anthropic-version"] ? `anthropic-version: unsupported version ${JSON.stringify(req.headers["anthropic-version"])}` : "anthropic-version: header is required");
    }
    const rateLimited = (retryAfter: number) => {
      const alt = vendor === "cursor" && (stats.byStatus[429] ?? 0) % 2 === 1; // alternate Cursor's two documented 429 bodies
      return fail(429, vendor === "anthropic" ? "Number of request tokens has exceeded your per-minute rate limit" : vendor === "sheets" ? "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service 'sheets.googleapis.com'" : "Rate limit exceeded", { "retry-after": String(retryAfter) }, alt);
    };
    if (limiter) {
      const retryAfter = limiter.take(route.family, route.perMinute);
      if (retryAfter !== null) return rateLimited(retryAfter);
    }
    if (faults.slowMs > 0) await new Promise((ok) => setTimeout(ok, faults.slowMs));
    if (dice.roll(faults.serverErrors)) {
      const status = dice.pick(vendor === "anthropic" ? [500, 502, 503, 529] : [500, 502, 503]);
      if (status === 502) return send(res, 502, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>", headers);
      return fail(status, status === 529 ? "Overloaded" : vendor === "cursor" ? "An unexpected error occurred" : "Internal error encountered.");
    }
    if (dice.roll(faults.rateLimitStorm)) return rateLimited(limiter ? Math.max(1, Math.round(limiter.windowMs * timeScale / 1000 / 4)) : 15);

    let body: Record<string, unknown> = {};
    if (req.method === "POST") {
      const raw = await readBody(req);
      if (raw.trim()) {
        try {
          const parsed: unknown = JSON.parse(raw);
          if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
          body = parsed as Record<string, unknown>;
        } catch {
          return fail(400, "Invalid JSON body");
        }
      }
    }
    const sink = new RecordSink(seed, faults.invalidRecords, faults.unknownFields);
    let result: unknown;
    try {
      result = route.handle({ url, headers: req.headers, body, world: world.at(world.now()), sink }, match!);
    } catch (e) {
      if (e instanceof HttpError) return fail(e.status, e.message);
      throw e;
    }
    if (faults.unknownFields && result && typeof result === "object") Object.assign(result, { unknown_page_field_sim: { note: "added by a newer API version" } });
    const text = JSON.stringify(result);
    if (dice.roll(faults.truncatedBodies)) {
      stats.byStatus[200] = (stats.byStatus[200] ?? 0) + 1;
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
      res.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))));
      setImmediate(() => res.destroy());
      return;
    }
    res.on("finish", () => {
      for (const [stream, s] of sink.byStream) {
        addAll(served, stream, s.keys);
        addAll(invalid, stream, s.invalid);
      }
    });
    send(res, 200, result, headers);
  };

  /** the simulator's own routes: no auth, no limits; a bad request gets 400 {"error": message} */
  const simRoute = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const q = url.searchParams;
    try {
      if (url.pathname === "/_sim/served") return send(res, 200, { served: counts(served), invalidServed: counts(invalid), requestStats: stats });
      if (url.pathname === "/_sim/truth") {
        const asOf = q.get("asOf");
        return send(res, 200, truth({ start: q.get("start") ?? undefined, end: q.get("end") ?? undefined, asOf: asOf === null ? undefined : /^\d+$/.test(asOf) ? Number(asOf) : Date.parse(asOf) }));
      }
      if (url.pathname === "/_sim/restatements") return send(res, 200, { restatements: restatements.list() });
      if (url.pathname === "/_sim/restate" && req.method === "POST") {
        const { kind, ...rest } = JSON.parse((await readBody(req)) || "{}") as RestateOptions & { kind: RestatementKind };
        return send(res, 200, restatements.apply(kind, rest));
      }
    } catch (e) {
      if (e instanceof RestateError || e instanceof SyntaxError || e instanceof RangeError) return send(res, 400, { error: e.message });
      throw e;
    }
    return send(res, 404, { error: `No route for ${req.method} ${url.pathname}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { error: "Internal Server Error", message: `simulator bug: ${e instanceof Error ? e.message : String(e)}` });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? "127.0.0.1"}:${port}`;

  return {
    url,
    baseUrls: { cursor: `${url}/cursor`, anthropic: `${url}/anthropic`, sheets: `${url}/sheets` },
    credentials,
    options: { seed, users: company.options.users, historyDays: world.historyDays, endDate: addDays(world.today(), -1), timeScale, rateLimits: limiter !== null },
    now: () => world.now(),
    today: () => world.today(),
    truth,
    restate: (kind, o) => restatements.apply(kind, o),
    restatements: () => restatements.list(),
    served: () => counts(served),
    invalidServed: () => counts(invalid),
    requestStats: () => structuredClone(stats),
    resetCounters: () => {
      served = new Map();
      invalid = new Map();
      stats = { total: 0, byRoute: {}, byStatus: {} };
    },
    setFaults: (f) => {
      faults = checkFaults(f);
      dice.reset();
    },
    close: () =>
      new Promise<void>((ok, fail) => {
        server.close((e) => (e ? fail(e) : ok()));
        server.closeAllConnections();
      }),
  };
}

function historyDays(days = SIMULATED_HISTORY_DAYS): number {
  if (!Number.isInteger(days) || days < 1 || days > 5000) throw new Error(`historyDays must be an integer from 1 to 5000, got ${days}`);
  return days;
}

/** the clock: a function of epoch ms, or a fixed morning after endDate */
function clock(o: SimulatorOptions): () => number {
  if (o.endDate !== undefined) {
    if (o.now) throw new Error("give either now or endDate, not both (endDate is a fixed clock at endDate + 1, 06:00 UTC)");
    if (!isDay(o.endDate)) throw new Error(`endDate must be a YYYY-MM-DD date, got ${o.endDate}`);
    const fixed = Date.parse(`${addDays(o.endDate, 1)}T06:00:00Z`);
    return () => fixed;
  }
  const now = o.now ?? Date.now;
  if (!Number.isFinite(now()) || Number.isNaN(Date.parse(dayOf(now())))) throw new Error(`now() must return epoch milliseconds, got ${now()}`);
  return now;
}

function addAll(m: Map<string, Set<string>>, stream: string, keys: string[]) {
  if (keys.length === 0) return;
  let s = m.get(stream);
  if (!s) m.set(stream, (s = new Set()));
  for (const k of keys) s.add(k);
}

function counts(m: Map<string, Set<string>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of STREAMS) out[s] = m.get(s)?.size ?? 0;
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => ok(Buffer.concat(chunks).toString("utf8")));
    req.on("error", fail);
  });
}
