import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../simulator/index.ts";
import { allEvents, clients, dayMs, dayWindow, END, sumCents, type Json } from "./helpers.ts";

let sim: Simulator;
let c: ReturnType<typeof clients>;
const DAY = "2026-11-19";

beforeAll(async () => {
  sim = await startSimulator({ seed: 7, users: 40, historyDays: 60, endDate: END, rateLimits: false });
  c = clients(sim);
});
afterAll(() => sim.close());

describe("Cursor Admin API contract", () => {
  it("rejects a wrong key with the documented 401 body", async () => {
    const wrong = `Basic ${Buffer.from("key_wrong:").toString("base64")}`;
    const r = await c.cursorGet("/teams/members", wrong);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: "Unauthorized", message: "Invalid API key" });
    const withPassword = `Basic ${Buffer.from(`${sim.credentials.cursorApiKey}:x`).toString("base64")}`;
    expect((await c.cursorPost("/teams/spend", {}, withPassword)).status).toBe(401);
  });

  it("lists members with user_ ids, including removed members (leavers of the history) and idle seats", async () => {
    const r = await c.cursorGet("/teams/members");
    expect(r.status).toBe(200);
    const members = r.body.teamMembers as { id: string; email: string; role: string; isRemoved: boolean }[];
    expect(members.length).toBeGreaterThan(20);
    for (const m of members) expect(m.id).toMatch(/^user_[A-Za-z0-9]{28}$/);
    expect(new Set(members.map((m) => m.id)).size).toBe(members.length);
    const removed = members.filter((m) => m.isRemoved);
    expect(removed.length).toBeGreaterThan(0);
    // a removed member was a member during the history, so the people tab (leavers kept) knows them
    const sheet = (await c.sheets(`${sim.credentials.spreadsheetId}/values/people`)).body.values.slice(1).map((row: string[]) => row[0]!.trim().toLowerCase());
    for (const m of removed) expect(sheet).toContain(m.email.toLowerCase());
    expect(members.filter((m) => m.role === "owner")).toHaveLength(1);
    // an admin without a paid seat (reference §2.2)
    expect(members.filter((m) => m.role === "free-owner")).toHaveLength(1);
    expect(members.some((m) => m.email !== m.email.toLowerCase())).toBe(true); // a mixed-case email, as vendors store them
    // idle seats: members who never show up in a month of daily usage; some members' rows carry no email, only the
    // userId of the members list (email is optional there)
    const active = new Set<string>();
    let withoutEmail = 0;
    for (const start of [dayMs("2026-10-23"), dayMs("2026-11-06")]) {
      for (const row of (await c.cursorPost("/teams/daily-usage-data", { startDate: start, endDate: start + 14 * 86_400_000 })).body.data) {
        active.add(row.userId);
        if (row.email === undefined) withoutEmail++;
        expect(members.map((m) => m.id)).toContain(row.userId);
      }
    }
    expect(withoutEmail).toBeGreaterThan(0);
    expect(members.filter((m) => !m.isRemoved && !active.has(m.id) && m.role !== "free-owner").length).toBeGreaterThanOrEqual(1);
    expect(members.filter((m) => m.role === "free-owner").every((m) => !active.has(m.id))).toBe(true);
  });

  it("daily usage: 400 above 30 days, exactly 30 days is fine", async () => {
    const start = dayMs("2026-10-01");
    const bad = await c.cursorPost("/teams/daily-usage-data", { startDate: start, endDate: start + 30 * 86_400_000 + 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("Bad Request");
    expect(bad.body.message).toMatch(/30 days/);
    expect((await c.cursorPost("/teams/daily-usage-data", { startDate: start, endDate: start + 30 * 86_400_000 })).status).toBe(200);
    expect((await c.cursorPost("/teams/daily-usage-data", { startDate: "yesterday", endDate: start })).status).toBe(400);
  });

  it("daily usage without paging returns only active users; with paging all members, isActive and pagination", async () => {
    const active = await c.cursorPost("/teams/daily-usage-data", dayWindow(DAY));
    expect(active.body.pagination).toBeUndefined();
    const activeRows = active.body.data as Record<string, unknown>[];
    expect(activeRows.length).toBeGreaterThan(0);
    for (const row of activeRows) {
      expect(row.day).toBe(DAY);
      expect(typeof row.userId).toBe("string");
      expect(row.userId).toMatch(/^user_/);
      expect(row.date as number).toBeGreaterThan(dayMs(DAY));
      expect(row.date as number).toBeLessThan(dayMs(DAY) + 86_400_000);
      expect((row.date as number) % 86_400_000).not.toBe(0); // not midnight
    }
    const rows: Record<string, unknown>[] = [];
    let page = 1, pages = 0;
    for (;;) {
      const r = await c.cursorPost("/teams/daily-usage-data", { ...dayWindow(DAY), page, pageSize: 7 });
      expect(r.body.pagination.page).toBe(page);
      rows.push(...r.body.data);
      pages = r.body.pagination.totalPages;
      if (!r.body.pagination.hasNextPage) break;
      page++;
    }
    expect(page).toBe(pages);
    expect(rows.length).toBeGreaterThan(activeRows.length);
    expect(rows.filter((r) => r.isActive === true).map((r) => r.email).sort()).toEqual(activeRows.map((r) => r.email).sort());
    const inactive = rows.find((r) => r.isActive === false)!;
    expect(inactive.mostUsedModel).toBeNull();
    expect(inactive.totalLinesAdded).toBe(0);
  });

  it("usage events: inclusive ms bounds, string timestamps, paging to the last page, and the documented quirks", async () => {
    const w = dayWindow(DAY);
    const first = await c.cursorPost("/teams/filtered-usage-events", w);
    expect(first.body.pagination.pageSize).toBe(100); // default
    const all: Record<string, Json>[] = [];
    for (let page = 1; ; page++) {
      const r = await c.cursorPost("/teams/filtered-usage-events", { ...w, page, pageSize: 25 });
      all.push(...r.body.usageEvents);
      expect(r.body.pagination.currentPage).toBe(page);
      if (!r.body.pagination.hasNextPage) {
        expect(page).toBe(r.body.pagination.numPages);
        break;
      }
    }
    expect(all).toHaveLength(first.body.totalUsageEventsCount);
    for (const e of all) {
      expect(typeof e.timestamp).toBe("string");
      const ts = Number(e.timestamp);
      expect(ts).toBeGreaterThanOrEqual(w.startDate);
      expect(ts).toBeLessThanOrEqual(w.endDate);
    }
    expect(all.some((e) => e.tokenUsage === undefined)).toBe(true);
    expect(all.some((e) => !Number.isInteger(e.chargedCents))).toBe(true);
    for (const e of all.filter((x) => x.isChargeable === false)) expect(e.chargedCents).toBe(0);
    expect(all.some((e) => e.isChargeable === false)).toBe(true);
    const firstParty = new Set(["composer-1", "auto"]);
    for (const e of all.filter((x) => x.cursorTokenFee !== undefined)) expect(firstParty.has(e.model)).toBe(false);
    expect(all.some((e) => e.cursorTokenFee !== undefined)).toBe(true);
    // inclusive upper bound: an event exactly at endDate is returned
    const last = Number(all[0]!.timestamp);
    const exact = await c.cursorPost("/teams/filtered-usage-events", { startDate: last, endDate: last });
    expect(exact.body.usageEvents.map((e: { timestamp: string }) => e.timestamp)).toContain(String(last));
  });

  it("usage events: 400 for > 30 days, pageSize above 1000 and an unknown hostingType", async () => {
    const start = dayMs("2026-10-01");
    expect((await c.cursorPost("/teams/filtered-usage-events", { startDate: start, endDate: start + 31 * 86_400_000 })).status).toBe(400);
    expect((await c.cursorPost("/teams/filtered-usage-events", { startDate: start, endDate: start + 86_400_000, pageSize: 1001 })).status).toBe(400);
    expect((await c.cursorPost("/teams/filtered-usage-events", { hostingType: "MOON" })).status).toBe(400);
  });

  it("spend snapshot: overallSpendCents = sum of chargedCents from subscriptionCycleStart to now; spendCents = the usage-based part", async () => {
    const spend: Record<string, Json>[] = [];
    let cycleStart = 0;
    for (let page = 1; ; page++) {
      const r = await c.cursorPost("/teams/spend", { page, pageSize: 10 });
      spend.push(...r.body.teamMemberSpend);
      cycleStart = r.body.subscriptionCycleStart;
      expect(r.body.totalMembers).toBeGreaterThan(10);
      if (page >= r.body.totalPages) break;
    }
    expect(new Set(spend.map((s) => s.email)).size).toBe(spend.length);
    const truth = sim.truth({ start: END, end: END });
    expect(cycleStart).toBe(dayMs(truth.subscriptionCycleStart));
    expect(cycleStart).toBeLessThanOrEqual(sim.now());
    expect(sim.now() - cycleStart).toBeLessThan(31 * 86_400_000); // the cycle in force: monthly
    // every event of the cycle up to the clock, today's included
    const events = (await allEvents(c, cycleStart, sim.now())) as Record<string, Json>[];
    const byUser = (pred: (e: Record<string, Json>) => boolean) => {
      const m = new Map<string, number[]>();
      for (const e of events.filter(pred)) m.set(e.userEmail, [...(m.get(e.userEmail) ?? []), e.chargedCents]);
      return m;
    };
    const overall = byUser(() => true), usageBased = byUser((e) => e.kind === "Usage-based");
    let checked = 0;
    for (const s of spend) {
      expect(String(s.overallSpendCents)).toBe(sumCents(overall.get(s.email) ?? []));
      expect(String(s.spendCents)).toBe(sumCents(usageBased.get(s.email) ?? []));
      if (s.overallSpendCents > 0) checked++;
    }
    expect(checked).toBeGreaterThan(10);
    expect(spend.some((s) => !Number.isInteger(s.overallSpendCents))).toBe(true);
  });
});
