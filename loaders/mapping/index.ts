// The company's own truth (people → team → cost center, key owners, budgets, seat prices): tabs of a Google
// Sheet read with the Sheets API v4, or CSV files in a folder. Both become one object per row keyed by header.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { GoogleAuth } from "google-auth-library";
import { z } from "zod";
import { HttpClient } from "../core/http.ts";
import type { Logger } from "../core/log.ts";
import { Pacer } from "../core/pacer.ts";
import { dayWindow, type StreamDef } from "../core/stream.ts";

export type MappingOptions =
  | { kind: "sheets"; spreadsheetId: string; baseUrl: string; accessToken?: string; log: Logger; timeScale?: number }
  | { kind: "csv"; dir: string; log: Logger; timeScale?: number };

const optionalDay = z.string().regex(/^(\d{4}-\d{2}-\d{2})?$/, "must be YYYY-MM-DD or empty").optional();
// People type amounts as they like in a CSV ("$2,600.00"); staging strips the "$" and thousands separators.
const amount = z.string().regex(/^\s*-?\$?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?\s*$/, "must be a number, e.g. 2600 or 2,600.00");
const email = z.string().regex(/^\s*[^@\s]+@[^@\s]+\s*$/, "must be an email address");

export const TABS = {
  people: {
    schema: z.looseObject({ email, team: z.string().optional(), effective_from: optionalDay }),
  },
  api_key_owners: {
    schema: z.looseObject({ api_key_id: z.string().min(1), owner_email: email }),
  },
  budgets: {
    schema: z.looseObject({
      month: z.string().regex(/^\d{4}-\d{2}$/, "must be YYYY-MM"),
      cost_center: z.string().min(1),
      tool: z.string().regex(/^(cursor|claude_code|claude_api|all)?$/, "must be cursor, claude_code, claude_api or all").optional(),
      budget_usd: amount,
    }),
  },
  seats: {
    schema: z.looseObject({ tool: z.string().min(1), monthly_price_usd: amount, effective_from: optionalDay }),
  },
} as const;

/** Header row → lower-case trimmed keys; short rows padded (Sheets omits trailing empty cells); blank rows dropped. */
export function rowsToRecords(values: unknown[][]): Record<string, string>[] {
  const [header, ...rows] = values;
  if (!header) return [];
  const keys = header.map((h) => String(h ?? "").trim().toLowerCase());
  return rows
    .filter((row) => row.some((cell) => String(cell ?? "").trim() !== ""))
    .map((row) => Object.fromEntries(keys.flatMap((k, i) => (k ? [[k, String(row[i] ?? "").trim()]] : []))));
}

const ValueRange = z.looseObject({ values: z.array(z.array(z.unknown())).optional() });
const BatchGet = z.looseObject({ valueRanges: z.array(ValueRange) });

export function mappingStreams(options: MappingOptions): StreamDef[] {
  const readTab = options.kind === "sheets" ? sheetsReader(options) : csvReader(options.dir);
  return Object.entries(TABS).map(([tab, def]) => ({
    source: "mapping" as const,
    name: tab,
    window: { kind: "snapshot" as const },
    schema: def.schema,
    async *fetch({ window, stats }) {
      const records = rowsToRecords(await readTab(tab, stats));
      yield records.map((record) => ({ ...dayWindow(window.start), record }));
    },
  }));
}

type TabReader = (tab: string, stats: Parameters<StreamDef["fetch"]>[0]["stats"]) => Promise<unknown[][]>;

/** All tabs in one values:batchGet (one read request against the quota), shared by the four streams of a run. */
function sheetsReader(options: Extract<MappingOptions, { kind: "sheets" }>): TabReader {
  const auth = options.accessToken ? undefined : new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/spreadsheets.readonly"] });
  const http = new HttpClient({
    vendor: "Google Sheets",
    baseUrl: options.baseUrl,
    log: options.log,
    timeScale: options.timeScale,
    headers: async () => ({ authorization: `Bearer ${options.accessToken ?? (await auth!.getAccessToken())}` }),
  });
  const pacer = new Pacer({ perMinute: 60 }, options.timeScale); // read quota per user per project
  const tabs = Object.keys(TABS);
  let batch: Promise<Map<string, unknown[][]>> | undefined;
  return (tab, stats) => {
    batch ??= (async () => {
      const searchParams = new URLSearchParams({ majorDimension: "ROWS", valueRenderOption: "UNFORMATTED_VALUE", dateTimeRenderOption: "FORMATTED_STRING" });
      // Quoted tab names; numbers as numbers (not "2,600.00" in the owner's locale), dates as the text shown.
      for (const t of tabs) searchParams.append("ranges", `'${t.replace(/'/g, "''")}'`);
      const body = await http.page("get", `v4/spreadsheets/${encodeURIComponent(options.spreadsheetId)}/values:batchGet`, BatchGet, { pacer, stats, searchParams });
      // valueRanges come in the order of the ranges; a fully empty tab has no values key.
      return new Map(tabs.map((t, i) => [t, body.valueRanges[i]?.values ?? []]));
    })();
    return batch.then((values) => values.get(tab) ?? []);
  };
}

function csvReader(dir: string): TabReader {
  return async (tab, stats) => {
    const file = path.join(dir, `${tab}.csv`);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw new Error(`mapping tab ${tab}: cannot read ${file} (${(error as NodeJS.ErrnoException).code}); create it with a header row`);
    }
    stats.requests++;
    stats.bytes += Buffer.byteLength(text);
    return parseCsv(text, { relax_column_count: true, skip_empty_lines: true, bom: true }) as string[][];
  };
}
