// Small real-HTTP clients for the simulator's three vendor APIs (tests only).
import type { Simulator } from "../../simulator/index.ts";

export const END = "2026-11-21";
export const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

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
