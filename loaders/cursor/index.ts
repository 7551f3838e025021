// Cursor Admin API (reference vendor-apis.md §2): Basic auth with the key as user name, epoch-ms windows,
// 1-indexed page/pageSize paging, 20 req/min per team (filtered-usage-events: 60 req/min).
import { z } from "zod";
import { endMs, startMs, type Day } from "../core/days.ts";
import { HttpClient } from "../core/http.ts";
import type { Logger } from "../core/log.ts";
import { Pacer } from "../core/pacer.ts";
import { dayWindow, type FetchedRecord, type StreamDef } from "../core/stream.ts";

export interface CursorSourceOptions {
  apiKey: string;
  baseUrl: string;
  log: Logger;
  timeScale?: number;
}

const count = z.number().nullish();
const text = z.string().nullish();
const id = z.union([z.string(), z.number()]).nullish(); // documented as number, observed as "user_…"

export const memberSchema = z.looseObject({
  email: z.string().min(1),
  id,
  name: text,
  role: text,
  isRemoved: z.boolean().nullish(),
});

export const dailyUsageSchema = z
  .looseObject({
    // The date key. `date` is epoch ms and not always midnight (a live row had 18:26Z): never a key.
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    date: z.number(),
    email: text,
    userId: id,
    isActive: z.boolean().nullish(),
    totalLinesAdded: count,
    acceptedLinesAdded: count,
    totalAccepts: count,
    totalRejects: count,
    totalTabsShown: count,
    totalTabsAccepted: count,
    composerRequests: count,
    chatRequests: count,
    agentRequests: count,
    mostUsedModel: text,
  })
  .refine((r) => Boolean(r.email) || (r.userId !== undefined && r.userId !== null && r.userId !== ""), {
    message: "record has neither email nor userId: it cannot be attributed to a person",
  });

export const usageEventSchema = z
  .looseObject({
    timestamp: z.union([z.string().regex(/^\d+$/), z.number()]),
    userEmail: text,
    serviceAccountId: text,
    model: z.string(),
    kind: text,
    chargedCents: z.number().nullish(),
    requestsCosts: count,
    isTokenBasedCall: z.boolean().nullish(),
    tokenUsage: z
      .looseObject({ inputTokens: count, outputTokens: count, cacheWriteTokens: count, cacheReadTokens: count, totalCents: count })
      .nullish(),
  })
  .refine((r) => Boolean(r.userEmail) || Boolean(r.serviceAccountId), {
    message: "event has neither userEmail nor serviceAccountId",
  });

export const spendSchema = z.looseObject({
  email: z.string().min(1),
  userId: id,
  spendCents: z.number(),
  overallSpendCents: z.number().nullish(),
  subscriptionCycleStart: z.number().nullish(),
});

const MembersPage = z.looseObject({ teamMembers: z.array(z.unknown()) });
const DailyUsagePage = z.looseObject({
  data: z.array(z.unknown()),
  pagination: z.looseObject({ hasNextPage: z.boolean() }).nullish(),
});
const EventsPage = z.looseObject({
  usageEvents: z.array(z.unknown()).nullish(),
  pagination: z.looseObject({ hasNextPage: z.boolean() }).nullish(),
});
const SpendPage = z.looseObject({
  teamMemberSpend: z.array(z.unknown()),
  subscriptionCycleStart: z.number().nullish(),
  totalPages: z.number().nullish(),
});

/** Users per page of daily usage; sending page+pageSize is what makes Cursor return inactive members too. */
const DAILY_USAGE_PAGE_SIZE = 500;
const EVENTS_PAGE_SIZE = 1000; // the documented maximum
const SPEND_PAGE_SIZE = 100;


/** The day a daily-usage row covers; a row without `day` is quarantined, filed under the window's first day. */
function usageDay(record: unknown, fallback: Day): Day {
  const day = (record as { day?: unknown }).day;
  return typeof day === "string" && /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : fallback;
}

export function cursorStreams(options: CursorSourceOptions): StreamDef[] {
  const http = new HttpClient({
    vendor: "Cursor",
    baseUrl: options.baseUrl,
    log: options.log,
    timeScale: options.timeScale,
    headers: { authorization: `Basic ${Buffer.from(`${options.apiKey}:`).toString("base64")}` },
  });
  const adminPacer = new Pacer({ perMinute: 20 }, options.timeScale);
  const eventsPacer = new Pacer({ perMinute: 60 }, options.timeScale);
  const source = "cursor" as const;

  return [
    {
      source,
      name: "members",
      window: { kind: "snapshot" },
      schema: memberSchema,
      async *fetch({ window, stats }) {
        const body = await http.page("get", "teams/members", MembersPage, { pacer: adminPacer, stats });
        yield body.teamMembers.map((record) => ({ ...dayWindow(window.start), record }));
      },
    },
    {
      source,
      name: "daily_usage",
      window: { kind: "range", maxDays: 30 },
      schema: dailyUsageSchema,
      async *fetch({ window, stats }) {
        for (let page = 1; ; page++) {
          const json = { startDate: startMs(window.start), endDate: endMs(window.end), page, pageSize: DAILY_USAGE_PAGE_SIZE };
          const body = await http.page("post", "teams/daily-usage-data", DailyUsagePage, { pacer: adminPacer, stats, json });
          yield body.data.map((record): FetchedRecord => ({ ...dayWindow(usageDay(record, window.start)), record }));
          if (!body.pagination?.hasNextPage || body.data.length === 0) return;
        }
      },
    },
    {
      source,
      name: "usage_events",
      window: { kind: "range", maxDays: 1 }, // one UTC day per request keeps windows non-overlapping
      schema: usageEventSchema,
      async *fetch({ window, stats }) {
        for (let page = 1; ; page++) {
          const json = { startDate: startMs(window.start), endDate: endMs(window.end), page, pageSize: EVENTS_PAGE_SIZE };
          const body = await http.page("post", "teams/filtered-usage-events", EventsPage, { pacer: eventsPacer, stats, json });
          const events = body.usageEvents ?? [];
          yield events.map((record) => ({ ...dayWindow(window.start), record }));
          if (!body.pagination?.hasNextPage || events.length === 0) return;
        }
      },
    },
    {
      source,
      name: "spend",
      window: { kind: "snapshot" },
      schema: spendSchema,
      async *fetch({ window, stats }) {
        for (let page = 1; ; page++) {
          const json = { page, pageSize: SPEND_PAGE_SIZE };
          const body = await http.page("post", "teams/spend", SpendPage, { pacer: adminPacer, stats, json });
          // The cycle start sits on the page, not the row; copied in under its own name (data-contract.md).
          yield body.teamMemberSpend.map((row) => ({
            ...dayWindow(window.start),
            record: row && typeof row === "object" ? { subscriptionCycleStart: body.subscriptionCycleStart ?? null, ...row } : row,
          }));
          if (page >= (body.totalPages ?? 1) || body.teamMemberSpend.length === 0) return;
        }
      },
    },
  ];
}
