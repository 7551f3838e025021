// The company's own truth (people → team → cost center, key owners, budgets, seat prices): tabs of a Google
// Sheet read with the official Sheets client, or CSV files in a folder. Each tab is checked as a whole before any
// of it lands (columns, duplicate keys, encoding, a sharp shrink); a tab that fails lands nothing, so the models
// keep the last good snapshot. Rows that only break their own types are quarantined as for every stream.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { auth as googleAuth, sheets as sheetsClient, type sheets_v4 } from "@googleapis/sheets";
import { parse as parseCsv } from "csv-parse/sync";
import { z } from "zod";
import { HttpClient } from "../core/http.ts";
import type { Logger } from "../core/log.ts";
import { Pacer } from "../core/pacer.ts";
import { dayWindow, type SnapshotShape, type StreamDef } from "../core/stream.ts";
import { checkTab, type TabRows, type TabRules } from "./validate.ts";
import { readUtf8 } from "./encoding.ts";

export { MappingError } from "./validate.ts";

interface Common {
  log: Logger;
  timeScale?: number;
  /** A tab with fewer rows than (100 - this) % of the last good snapshot's is refused; 100 turns the guard off. */
  maxShrinkPercent?: number;
}

export type MappingOptions =
  | (Common & {
      kind: "sheets";
      spreadsheetId: string;
      baseUrl: string;
      /** An emulator (SHEETS_EMULATOR_HOST): no credentials are sent, as Google's clients do with emulator hosts. */
      emulator?: boolean;
      /** A ready auth client instead of Application Default Credentials (tests). */
      auth?: sheets_v4.Options["auth"];
    })
  | (Common & { kind: "csv"; dir: string });

const day = z.string().refine((s) => s === "" || (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s)), "must be a date YYYY-MM-DD or empty");
// People type amounts as they like in a CSV ("$2,600.00"); staging strips the "$" and thousands separators.
const amount = z.string().regex(/^\s*-?\$?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?\s*$/, "must be a number, e.g. 2600 or 2,600.00");
const email = z.string().regex(/^\s*[^@\s]+@[^@\s]+\s*$/, "must be an email address");
const optionalEmail = z.string().regex(/^(\s*[^@\s]+@[^@\s]+\s*)?$/, "must be an email address or empty");
const MARKED = /^\s*(yes|true|x|1)\s*$/i;
const flag = z.string().regex(/^\s*(yes|true|x|1|no|false|0)?\s*$/i, "must be yes or empty (also true/false, x, 1/0)");

/** Seats: the plan a seat holder gets when the people tab names none; a tool with several plans must mark one. */
function oneDefaultPlan(records: Record<string, string>[]): string[] {
  const plans = new Map<string, { all: Set<string>; marked: Set<string> }>();
  for (const r of records) {
    const tool = (r.tool ?? "").trim().toLowerCase(), plan = (r.plan ?? "").trim();
    if (!tool) continue;
    const p = plans.get(tool) ?? { all: new Set(), marked: new Set() };
    p.all.add(plan);
    if (MARKED.test(r.is_default ?? "")) p.marked.add(plan);
    plans.set(tool, p);
  }
  return [...plans].flatMap(([tool, p]) =>
    p.marked.size > 1
      ? [`tool ${tool}: plans ${[...p.marked].join(", ")} are all marked is_default; mark only the plan a seat holder gets when the people tab names none`]
      : p.marked.size === 0 && p.all.size > 1
        ? [`tool ${tool} has plans ${[...p.all].join(", ")} and none is marked is_default; add an is_default column and put yes on the plan a seat holder gets when the people tab names none`]
        : [],
  );
}

/**
 * Per tab (docs/data-contract.md): the row types (a row that fails them is quarantined), the columns a tab must
 * have, the documented optional ones, the key no two rows may share, and how few rows make the tab useless.
 */
export const TABS = {
  people: {
    schema: z.looseObject({ email, manager_email: optionalEmail.optional(), effective_from: day.optional() }),
    required: ["email", "name", "team", "department", "cost_center", "manager_email"],
    optional: ["effective_from", "plan"],
    naturalKey: ["window_date", "email", "effective_from"],
    minRows: 1,
  },
  api_key_owners: {
    schema: z.looseObject({ api_key_id: z.string().min(1), owner_email: email }),
    required: ["api_key_id", "owner_email"],
    optional: ["note"],
    naturalKey: ["window_date", "api_key_id"],
    minRows: 0,
  },
  budgets: {
    schema: z.looseObject({
      month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be YYYY-MM"),
      cost_center: z.string().min(1),
      tool: z.string().regex(/^(cursor|claude_code|claude_api|all)?$/, "must be cursor, claude_code, claude_api or all").optional(),
      budget_usd: amount,
    }),
    required: ["month", "cost_center", "tool", "budget_usd"],
    optional: ["team"],
    naturalKey: ["window_date", "month", "cost_center", "team", "tool"],
    minRows: 0,
  },
  seats: {
    schema: z.looseObject({ tool: z.string().min(1), monthly_price_usd: amount, effective_from: day.optional(), is_default: flag.optional() }),
    required: ["tool", "plan", "monthly_price_usd"],
    optional: ["effective_from", "is_default"],
    naturalKey: ["window_date", "tool", "plan", "effective_from"],
    minRows: 0,
    check: oneDefaultPlan,
  },
} as const satisfies Record<string, TabRules & { schema: z.ZodType; naturalKey: readonly string[] }>;

export type Tab = keyof typeof TABS;

export function mappingStreams(options: MappingOptions): StreamDef[] {
  const readTab = options.kind === "sheets" ? sheetsReader(options) : csvReader(options.dir);
  return Object.entries(TABS).map(([tab, def]) => ({
    source: "mapping" as const,
    name: tab,
    window: { kind: "snapshot" as const },
    schema: def.schema,
    async *fetch({ window, stats, previous }) {
      const rows = await readTab(tab as Tab, stats);
      const last: SnapshotShape | undefined = await previous?.();
      const records = checkTab(tab, def, def.schema, rows, last, options.maxShrinkPercent ?? 50);
      yield records.map((record) => ({ ...dayWindow(window.start), record }));
    },
  }));
}

type TabReader = (tab: Tab, stats: Parameters<StreamDef["fetch"]>[0]["stats"]) => Promise<TabRows>;

/** All tabs in one values:batchGet (one read request against the quota), shared by the four streams of a run. */
function sheetsReader(options: Extract<MappingOptions, { kind: "sheets" }>): TabReader {
  const auth = options.emulator ? undefined : (options.auth ?? new googleAuth.GoogleAuth({ scopes: ["https://www.googleapis.com/auth/spreadsheets.readonly"] }));
  const api = sheetsClient({ version: "v4", ...(auth ? { auth } : {}) });
  // Per call, not global: a global rootUrl keeps only the origin, and the emulator lives under a path (/sheets).
  const rootUrl = `${options.baseUrl.replace(/\/+$/, "")}/`;
  // The shared retry loop (pacing, Retry-After in vendor time, redaction) around Google's client, whose own retries are off.
  const http = new HttpClient({ vendor: "Google Sheets", baseUrl: options.baseUrl, headers: {}, log: options.log, timeScale: options.timeScale });
  const pacer = new Pacer({ perMinute: 60 }, options.timeScale); // read quota per user per project
  const tabs = Object.keys(TABS);
  let batch: Promise<Map<string, unknown[][]>> | undefined;
  return (tab, stats) => {
    batch ??= (async () => {
      const body = (await http.call(`Google Sheets values:batchGet of ${options.spreadsheetId}`, { pacer, stats }, async () => {
        try {
          const response = await api.spreadsheets.values.batchGet(
            {
              spreadsheetId: options.spreadsheetId,
              // Quoted tab names; numbers as numbers (not "2,600.00" in the owner's locale), dates as the text shown.
              ranges: tabs.map((t) => `'${t.replace(/'/g, "''")}'`),
              majorDimension: "ROWS",
              valueRenderOption: "UNFORMATTED_VALUE",
              dateTimeRenderOption: "FORMATTED_STRING",
            },
            // The body as text: bytes counted as received, a cut-off body retried like any vendor's. Node's fetch,
            // as for every other vendor (gaxios would bring node-fetch).
            { rootUrl, retry: false, responseType: "text", fetchImplementation: (input, init) => fetch(input, init) },
          );
          const text = String(response.data);
          stats.bytes += Buffer.byteLength(text);
          try {
            return { body: JSON.parse(text) as unknown };
          } catch {
            return { failure: `response body is not complete JSON (${text.length} bytes)` };
          }
        } catch (error) {
          const response = (error as { response?: { status: number; data: unknown; headers: Headers | Record<string, string> } }).response;
          if (!response) throw error;
          const text = typeof response.data === "string" ? response.data : JSON.stringify(response.data);
          stats.bytes += Buffer.byteLength(text);
          const headers = response.headers;
          return { status: response.status, body: text, retryAfter: headers instanceof Headers ? headers.get("retry-after") : headers["retry-after"] };
        }
      })) as sheets_v4.Schema$BatchGetValuesResponse;
      if (!Array.isArray(body.valueRanges)) {
        throw new Error(`Google Sheets values:batchGet of ${options.spreadsheetId}: unexpected response shape: valueRanges missing`);
      }
      // valueRanges come in the order of the ranges; a fully empty tab has no values key.
      return new Map(tabs.map((t, i) => [t, body.valueRanges![i]?.values ?? []]));
    })();
    return batch.then((values) => ({
      label: `tab ${tab}`,
      rows: (values.get(tab) ?? []).map((cells, i) => ({ at: `row ${i + 1}`, cells })),
    }));
  };
}

function csvReader(dir: string): TabReader {
  return async (tab, stats) => {
    const file = path.join(dir, `${tab}.csv`);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new Error(`mapping tab ${tab}: cannot read ${file} (${(error as NodeJS.ErrnoException).code}); create it with a header row`);
    }
    stats.requests++;
    stats.bytes += bytes.length;
    const text = readUtf8(bytes, `${tab}.csv`);
    const records = parseCsv(text, { relax_column_count: true, skip_empty_lines: false, bom: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
    return { label: `${tab}.csv`, rows: records.map(({ record, info }) => ({ at: `line ${info.lines}`, cells: record })) };
  };
}
