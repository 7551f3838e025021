// Anthropic Admin API (reference vendor-apis.md §1): x-api-key + anthropic-version, daily buckets with opaque
// page cursors, list endpoints with after_id paging. No published limit: sequential paging at about 1 req/s.
import { z } from "zod";
import { addDays, type Day } from "../core/days.ts";
import { HttpClient } from "../core/http.ts";
import type { Logger } from "../core/log.ts";
import { Pacer } from "../core/pacer.ts";
import { dayWindow, type FetchedRecord, type StreamDef } from "../core/stream.ts";

export interface AnthropicSourceOptions {
  adminKey: string;
  baseUrl: string;
  log: Logger;
  timeScale?: number;
}

const tokens = z.number().nonnegative();
const nullableKey = z.string().nullable(); // must be present; null means Default Workspace / Console usage

/** The five dimensions a request may group by (the API's maximum); account_id would replace one of them. */
export const USAGE_GROUP_BY = ["api_key_id", "workspace_id", "model", "service_tier", "context_window"] as const;
export const COST_GROUP_BY = ["workspace_id", "description"] as const;
/** Buckets per page for bucket_width=1d: the documented maximum for both reports. */
const BUCKETS_PER_PAGE = 31;

export const usageRowSchema = z.looseObject({
  uncached_input_tokens: tokens,
  cache_read_input_tokens: tokens,
  output_tokens: tokens,
  // Cache writes are ephemeral_5m + ephemeral_1h; there is no cache_creation_input_tokens in this report.
  cache_creation: z.looseObject({ ephemeral_5m_input_tokens: tokens, ephemeral_1h_input_tokens: tokens }),
  server_tool_use: z.looseObject({ web_search_requests: z.number().nullish() }).nullish(),
  api_key_id: nullableKey,
  workspace_id: nullableKey,
  model: z.string().min(1),
  service_tier: z.string().nullable(),
  context_window: z.string().nullable(),
});

export const costRowSchema = z.looseObject({
  // Cents as a decimal string: kept as text all the way to the warehouse's NUMERIC.
  amount: z.string().regex(/^-?\d+(\.\d+)?$/, "amount must be a decimal string of cents"),
  currency: z.string(),
  workspace_id: nullableKey,
  description: z.string().nullable(),
  cost_type: z.string().nullish(),
  token_type: z.string().nullish(),
  model: z.string().nullish(),
});

const actor = z.union([
  z.looseObject({ type: z.literal("user_actor"), email_address: z.string().min(1) }),
  z.looseObject({ type: z.literal("api_actor"), api_key_name: z.string().min(1) }),
]);

export const claudeCodeRowSchema = z.looseObject({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}/),
  actor,
  core_metrics: z.looseObject({}).nullish(),
  tool_actions: z.record(z.string(), z.unknown()).nullish(),
  model_breakdown: z.array(
    z.looseObject({
      model: z.string(),
      tokens: z.looseObject({}).nullish(),
      estimated_cost: z.looseObject({ amount: z.number(), currency: z.string() }).nullish(),
    }),
  ),
});

export const apiKeySchema = z.looseObject({ id: z.string().min(1), name: z.string().nullish(), workspace_id: z.string().nullish() });
export const workspaceSchema = z.looseObject({ id: z.string().min(1), name: z.string() });
export const userSchema = z.looseObject({ id: z.string().min(1), email: z.string().min(1) });

const ReportPage = z.looseObject({
  data: z.array(z.looseObject({ starting_at: z.string(), ending_at: z.string(), results: z.array(z.unknown()) })),
  has_more: z.boolean(),
  next_page: z.string().nullish(),
});
const CursorPage = z.looseObject({ data: z.array(z.unknown()), has_more: z.boolean(), next_page: z.string().nullish() });
const ListPage = z.looseObject({ data: z.array(z.unknown()), has_more: z.boolean(), last_id: z.string().nullish() });


function params(entries: Record<string, string | number | boolean | undefined>, arrays: Record<string, readonly string[]> = {}) {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) sp.set(k, String(v));
  for (const [k, values] of Object.entries(arrays)) for (const v of values) sp.append(`${k}[]`, v);
  return sp;
}

export function anthropicStreams(options: AnthropicSourceOptions): StreamDef[] {
  const http = new HttpClient({
    vendor: "Anthropic",
    baseUrl: options.baseUrl,
    log: options.log,
    timeScale: options.timeScale,
    headers: { "x-api-key": options.adminKey, "anthropic-version": "2023-06-01" },
  });
  // One pacer for the whole source: the docs ask for sequential paging, about one request a second.
  const pacer = new Pacer({ perMinute: 60 }, options.timeScale);
  const source = "anthropic" as const;

  /** Daily-bucket reports: one record per results[] row, windowed by its bucket; empty buckets land nothing. */
  async function* report(path: string, window: { start: Day; end: Day }, groupBy: readonly string[], stats: FetchContextStats) {
    let page: string | undefined;
    do {
      const searchParams = params(
        {
          starting_at: `${window.start}T00:00:00Z`,
          ending_at: `${addDays(window.end, 1)}T00:00:00Z`,
          bucket_width: "1d",
          limit: BUCKETS_PER_PAGE,
          page,
        },
        { group_by: groupBy },
      );
      const body = await http.page("get", path, ReportPage, { pacer, stats, searchParams });
      yield body.data.flatMap((bucket) =>
        bucket.results.map(
          (record): FetchedRecord => ({
            windowDate: bucket.starting_at.slice(0, 10),
            windowStart: bucket.starting_at,
            windowEnd: bucket.ending_at,
            record,
          }),
        ),
      );
      page = body.has_more ? (body.next_page ?? undefined) : undefined;
    } while (page);
  }

  /** after_id-paged list endpoints: a snapshot of the present. */
  function list(name: string, path: string, schema: z.ZodType, extra: Record<string, string | boolean> = {}): StreamDef {
    return {
      source,
      name,
      window: { kind: "snapshot" },
      schema,
      async *fetch({ window, stats }) {
        let afterId: string | undefined;
        do {
          const searchParams = params({ limit: 1000, after_id: afterId, ...extra });
          const body = await http.page("get", path, ListPage, { pacer, stats, searchParams });
          yield body.data.map((record) => ({ ...dayWindow(window.start), record }));
          afterId = body.has_more ? (body.last_id ?? undefined) : undefined;
        } while (afterId);
      },
    };
  }

  return [
    {
      source,
      name: "usage_messages",
      window: { kind: "range", maxDays: BUCKETS_PER_PAGE },
      schema: usageRowSchema,
      fetch: ({ window, stats }) => report("v1/organizations/usage_report/messages", window, USAGE_GROUP_BY, stats),
    },
    {
      source,
      name: "cost_report",
      window: { kind: "range", maxDays: BUCKETS_PER_PAGE },
      schema: costRowSchema,
      fetch: ({ window, stats }) => report("v1/organizations/cost_report", window, COST_GROUP_BY, stats),
    },
    {
      source,
      name: "claude_code",
      window: { kind: "range", maxDays: 1 }, // the endpoint returns exactly one UTC day per call
      schema: claudeCodeRowSchema,
      async *fetch({ window, stats }) {
        let page: string | undefined;
        do {
          const searchParams = params({ starting_at: window.start, limit: 1000, page });
          const body = await http.page("get", "v1/organizations/usage_report/claude_code", CursorPage, { pacer, stats, searchParams });
          yield body.data.map((record) => ({ ...dayWindow(window.start), record }));
          page = body.has_more ? (body.next_page ?? undefined) : undefined;
        } while (page);
      },
    },
    list("api_keys", "v1/organizations/api_keys", apiKeySchema),
    list("workspaces", "v1/organizations/workspaces", workspaceSchema, { include_archived: true }),
    list("users", "v1/organizations/users", userSchema),
  ];
}

type FetchContextStats = Parameters<StreamDef["fetch"]>[0]["stats"];
