// Small real-HTTP clients for the simulator's three vendor APIs (tests only).
import type { Simulator } from "../../simulator/index.ts";

/** yesterday for simulators started with `endDate: END` (a fixed clock at the morning after) */
export const END = "2026-11-21";
export const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
/** a day's [00:00, 23:59:59.999] in epoch ms, as Cursor's usage endpoints take it */
export const dayWindow = (day: string) => ({ startDate: dayMs(day), endDate: dayMs(day) + 86_399_999 });

/** parsed JSON from the API under test; its shape is what the tests assert */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Res<T = Json> { status: number; headers: Headers; body: T }

async function parse(r: Response): Promise<Res> {
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // non-JSON bodies (e.g. a proxy's HTML 502) stay text
  }
  return { status: r.status, headers: r.headers, body };
}

export function clients(sim: Simulator) {
  const basic = `Basic ${Buffer.from(`${sim.credentials.cursorApiKey}:`).toString("base64")}`;
  const anthropicHeaders = { "x-api-key": sim.credentials.anthropicAdminKey, "anthropic-version": "2023-06-01" };
  return {
    cursorGet: async (path: string, auth = basic) => parse(await fetch(`${sim.baseUrls.cursor}${path}`, { headers: { authorization: auth } })),
    cursorPost: async (path: string, body: object, auth = basic) =>
      parse(await fetch(`${sim.baseUrls.cursor}${path}`, { method: "POST", headers: { authorization: auth, "content-type": "application/json" }, body: JSON.stringify(body) })),
    anthropic: async (path: string, params: [string, string][] = [], headers: Record<string, string> = anthropicHeaders) => {
      const qs = new URLSearchParams(params).toString();
      return parse(await fetch(`${sim.baseUrls.anthropic}${path}${qs ? `?${qs}` : ""}`, { headers }));
    },
    sheets: async (path: string, token = sim.credentials.sheetsAccessToken) =>
      parse(await fetch(`${sim.baseUrls.sheets}/v4/spreadsheets/${path}`, { headers: { authorization: `Bearer ${token}` } })),
    anthropicHeaders,
  };
}

/** every Cursor usage event in [start, end] (epoch ms), paged and in <= 30-day requests */
export async function allEvents(c: ReturnType<typeof clients>, start: number, end: number): Promise<Json[]> {
  const events: Json[] = [];
  for (let from = start; from <= end; from += 30 * 86_400_000) {
    for (let page = 1; ; page++) {
      const r = await c.cursorPost("/teams/filtered-usage-events", { startDate: from, endDate: Math.min(end, from + 30 * 86_400_000 - 1), page, pageSize: 1000 });
      events.push(...r.body.usageEvents);
      if (!r.body.pagination.hasNextPage) break;
    }
  }
  return events;
}

/** exact decimal sum of cent strings, via bigint nanocents */
export function sumCents(values: (string | number)[]): string {
  let nano = 0n;
  for (const v of values) {
    const s = typeof v === "number" ? String(v) : v;
    if (!/^-?\d+(\.\d{1,9})?$/.test(s)) throw new Error(`not a decimal amount: ${s}`);
    const [w, f = ""] = s.replace("-", "").split(".");
    const n = BigInt(w!) * 1_000_000_000n + BigInt(f.padEnd(9, "0"));
    nano += s.startsWith("-") ? -n : n;
  }
  const whole = nano / 1_000_000_000n, frac = (nano % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${whole}${frac ? `.${frac}` : ""}`;
}
