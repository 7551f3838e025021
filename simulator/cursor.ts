// Cursor Admin API (reference §2): members, daily usage, usage events, spend, as served at the simulator's clock.
import { cursorMemberOn, type Person } from "./company.ts";
import { addDays, DAY_MS, dayOf, dayStartMs } from "./dates.ts";
import { hash32 } from "./rng.ts";
import { centsNumber } from "./money.ts";
import { spendRows } from "./ledger.ts";
import { HttpError, intParam, type Ctx, type Route } from "./http.ts";

const MAX_RANGE_MS = 30 * DAY_MS;
const HOSTING_TYPES = new Set(["CLOUD", "SELF_HOSTED", "SELF_HOSTED_POOL", "SELF_HOSTED_MACHINE"]);

function epochParam(raw: unknown, name: string): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "number" || !Number.isFinite(raw)) throw new HttpError(400, `${name} must be a number (epoch milliseconds)`);
  return raw;
}

function checkRange(start: number, end: number): void {
  if (end < start) throw new HttpError(400, "endDate must be after startDate");
  if (end - start > MAX_RANGE_MS) throw new HttpError(400, "Date range cannot exceed 30 days");
}

/** days whose [00:00, 23:59:59.999] overlaps [start, end] and that the vendor serves at the simulator's clock */
function daysIn(ctx: Ctx, start: number, end: number): string[] {
  const days: string[] = [];
  for (let d = dayOf(Math.max(start, 0)); dayStartMs(d) <= end; d = addDays(d, 1)) if (ctx.world.inHistory(d)) days.push(d);
  return days;
}

/** seat holders hired by `day`, in hire order */
function seats(ctx: Ctx, day: string): Person[] {
  return ctx.world.company.roster.hiredBy(day).filter((p) => p.cursor);
}

/** every member who joined, removed ones included (isRemoved), back to the start of the history */
function members(ctx: Ctx) {
  const today = ctx.world.today(), start = ctx.world.historyStart();
  const teamMembers = seats(ctx, today)
    .filter((p) => p.cursor!.joinDay <= today && (p.cursor!.removedDay === null || p.cursor!.removedDay > start))
    .map((p) => {
      const s = p.cursor!;
      const record = { id: s.userId, name: p.name, email: s.email, role: s.role, isRemoved: s.removedDay !== null && s.removedDay <= today };
      return ctx.sink.add("cursor.members", p.email, record, (r: Partial<{ email: string }>) => delete r.email);
    });
  return { teamMembers };
}

function dailyUsage(ctx: Ctx) {
  const b = ctx.body;
  const start = epochParam(b.startDate, "startDate"), end = epochParam(b.endDate, "endDate");
  if (start === undefined || end === undefined) throw new HttpError(400, "startDate and endDate are required (epoch milliseconds)");
  checkRange(start, end);
  const paged = b.page !== undefined || b.pageSize !== undefined;
  if (paged && (b.page === undefined || b.pageSize === undefined)) throw new HttpError(400, "page and pageSize must be provided together");
  // daily aggregates: complete days only (today is not over)
  const days = daysIn(ctx, start, end).filter((d) => d < ctx.world.today());
  const daily = new Map(days.map((d) => [d, ctx.world.served(d).cursorDaily]));

  const row = (p: Person, day: string) => {
    const s = p.cursor!;
    const m = daily.get(day)!.get(p.key);
    // `date` is an epoch ms inside the day, not midnight (observed live)
    const date = m?.lastActivityMs ?? dayStartMs(day) + (hash32(day, s.userId) % DAY_MS);
    // email is optional in the daily usage (reference §2.3): some members' rows carry only their userId
    const rec: Record<string, unknown> = { userId: s.userId, day, date, ...(s.dailyUsageEmail ? { email: s.email } : {}) };
    if (paged) rec.isActive = Boolean(m);
    Object.assign(rec, {
      totalLinesAdded: m?.totalLinesAdded ?? 0, totalLinesDeleted: m?.totalLinesDeleted ?? 0,
      acceptedLinesAdded: m?.acceptedLinesAdded ?? 0, acceptedLinesDeleted: m?.acceptedLinesDeleted ?? 0,
      totalApplies: m?.totalApplies ?? 0, totalAccepts: m?.totalAccepts ?? 0, totalRejects: m?.totalRejects ?? 0,
      totalTabsShown: m?.totalTabsShown ?? 0, totalTabsAccepted: m?.totalTabsAccepted ?? 0,
      composerRequests: m?.composerRequests ?? 0, chatRequests: m?.chatRequests ?? 0, agentRequests: m?.agentRequests ?? 0,
      cmdkUsages: m?.cmdkUsages ?? 0, subscriptionIncludedReqs: m?.subscriptionIncludedReqs ?? 0, apiKeyReqs: m?.apiKeyReqs ?? 0,
      usageBasedReqs: m?.usageBasedReqs ?? 0, bugbotUsages: m?.bugbotUsages ?? 0,
      mostUsedModel: m?.mostUsedModel ?? null, applyMostUsedExtension: m?.applyMostUsedExtension ?? null,
      tabMostUsedExtension: m?.tabMostUsedExtension ?? null, clientVersion: m?.clientVersion ?? null,
    });
    return ctx.sink.add("cursor.daily_usage", `${day}|${p.email}`, rec, (r) => (r.day = null));
  };

  const period = { startDate: start, endDate: end };
  if (!paged) {
    const data = days.flatMap((day) => seats(ctx, day).filter((p) => daily.get(day)!.has(p.key)).map((p) => row(p, day)));
    return { data, period };
  }
  const page = intParam(b.page, "page", 1, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = intParam(b.pageSize, "pageSize", 1000, 1, 1000);
  // members with a membership during the (served) range; those who joined after it are excluded
  const firstDay = days[0], lastDay = days.at(-1);
  const users = firstDay === undefined || lastDay === undefined ? [] : seats(ctx, lastDay).filter((p) => {
    const s = p.cursor!;
    return s.joinDay <= lastDay && (s.removedDay === null || s.removedDay > firstDay);
  });
  const totalPages = Math.ceil(users.length / pageSize);
  const slice = users.slice((page - 1) * pageSize, page * pageSize);
  const data = slice.flatMap((p) => days.filter((d) => cursorMemberOn(p.cursor!, d)).map((d) => row(p, d)));
  return {
    data, period,
    pagination: { page, pageSize, totalUsers: users.length, totalPages, hasNextPage: page < totalPages, hasPreviousPage: page > 1 },
  };
}

function usageEvents(ctx: Ctx) {
  const b = ctx.body;
  const end = epochParam(b.endDate, "endDate") ?? ctx.world.now();
  const start = epochParam(b.startDate, "startDate") ?? end - MAX_RANGE_MS;
  checkRange(start, end);
  const page = intParam(b.page, "page", 1, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = intParam(b.pageSize, "pageSize", 100, 1, 1000);
  if (b.hostingType !== undefined && !HOSTING_TYPES.has(String(b.hostingType))) throw new HttpError(400, `Invalid hostingType: ${String(b.hostingType)}`);
  const email = typeof b.email === "string" ? b.email.trim().toLowerCase() : null;
  const userId = b.userId !== undefined ? String(b.userId) : null;

  const events = daysIn(ctx, start, end)
    .flatMap((day) => ctx.world.served(day).cursorEvents.map((e) => ({ day, e })))
    .filter(({ e }) => e.ts >= start && e.ts <= end && (!email || e.person.email === email) && (!userId || e.person.cursor!.userId === userId))
    .reverse(); // newest first
  const numPages = Math.ceil(events.length / pageSize);
  const usageEvents = events.slice((page - 1) * pageSize, page * pageSize).map(({ day, e }) => {
    const rec: Record<string, unknown> = {
      timestamp: String(e.ts), userEmail: e.person.cursor!.email, conversationId: e.conversationId, model: e.model, kind: e.kind,
      maxMode: e.maxMode, requestsCosts: e.requestsCosts, isTokenBasedCall: e.tokenBased, isChargeable: e.chargeable, isHeadless: e.headless,
    };
    if (e.cloudAgentId) rec.cloudAgentId = e.cloudAgentId;
    if (e.tokens) {
      rec.tokenUsage = { inputTokens: e.tokens.input, outputTokens: e.tokens.output, cacheWriteTokens: e.tokens.cacheWrite, cacheReadTokens: e.tokens.cacheRead, totalCents: centsNumber(e.totalNano) };
    }
    rec.chargedCents = centsNumber(e.chargedNano);
    if (e.feeNano !== null && e.chargeable) rec.cursorTokenFee = centsNumber(e.feeNano);
    return ctx.sink.add("cursor.usage_events", `${day}#${e.seq}`, rec, (r) => delete r.timestamp);
  });
  return {
    totalUsageEventsCount: events.length,
    pagination: { numPages, currentPage: page, pageSize, hasNextPage: page < numPages, hasPreviousPage: page > 1 },
    usageEvents,
    period: { startDate: start, endDate: end },
  };
}

function spend(ctx: Ctx) {
  const b = ctx.body;
  const sortBy = b.sortBy ?? "date", dir = b.sortDirection ?? "desc";
  if (!["amount", "date", "user"].includes(String(sortBy))) throw new HttpError(400, `Invalid sortBy: ${String(sortBy)}`);
  if (!["asc", "desc"].includes(String(dir))) throw new HttpError(400, `Invalid sortDirection: ${String(dir)}`);
  const page = intParam(b.page, "page", 1, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = intParam(b.pageSize, "pageSize", 100, 1, 10_000);
  const term = typeof b.searchTerm === "string" ? b.searchTerm.toLowerCase() : "";
  const snapshot = spendRows(ctx.world);
  let rows = snapshot.rows.filter((r) => !term || r.person.email.includes(term) || r.person.name.toLowerCase().includes(term));
  const order = new Map(rows.map((r, i) => [r, i])); // hire order
  const cmp = {
    amount: (a: (typeof rows)[number], z: (typeof rows)[number]) => (a.spendNano < z.spendNano ? -1 : a.spendNano > z.spendNano ? 1 : order.get(a)! - order.get(z)!),
    date: (a: (typeof rows)[number], z: (typeof rows)[number]) => order.get(a)! - order.get(z)!,
    user: (a: (typeof rows)[number], z: (typeof rows)[number]) => a.person.name.localeCompare(z.person.name) || order.get(a)! - order.get(z)!,
  }[String(sortBy) as "amount" | "date" | "user"];
  rows = rows.sort((a, z) => (dir === "asc" ? cmp(a, z) : cmp(z, a)));
  const totalPages = Math.ceil(rows.length / pageSize);
  const teamMemberSpend = rows.slice((page - 1) * pageSize, page * pageSize).map((r) => {
    const s = r.person.cursor!;
    const limited = hash32(s.userId) % 4 === 0;
    return ctx.sink.add("cursor.spend", r.person.email, {
      userId: s.userId, name: r.person.name, email: s.email, role: s.role,
      spendCents: centsNumber(r.spendNano), overallSpendCents: centsNumber(r.overallNano), fastPremiumRequests: r.fastPremiumRequests,
      hardLimitOverrideDollars: 0, monthlyLimitDollars: limited ? 200 : null, effectivePerUserLimitDollars: limited ? 200 : 500,
    }, (x: Partial<{ email: string }>) => delete x.email);
  });
  return { teamMemberSpend, subscriptionCycleStart: dayStartMs(snapshot.cycleStart), totalMembers: rows.length, totalPages };
}

export const cursorRoutes: Route[] = [
  { vendor: "cursor", method: "GET", path: /^\/teams\/members$/, stream: "cursor.members", family: "cursor.admin", perMinute: 20, handle: members },
  { vendor: "cursor", method: "POST", path: /^\/teams\/daily-usage-data$/, stream: "cursor.daily_usage", family: "cursor.daily_usage", perMinute: 20, handle: dailyUsage },
  { vendor: "cursor", method: "POST", path: /^\/teams\/filtered-usage-events$/, stream: "cursor.usage_events", family: "cursor.usage_events", perMinute: 60, handle: usageEvents },
  { vendor: "cursor", method: "POST", path: /^\/teams\/spend$/, stream: "cursor.spend", family: "cursor.admin", perMinute: 20, handle: spend },
];
