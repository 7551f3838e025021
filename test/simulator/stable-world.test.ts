// The simulated organization is a stable world: a day's data depends only on (seed, users, date), the vendors serve
// a history before the clock's day, today is partial, and the snapshot endpoints show the company at the clock.
import { afterAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../simulator/index.ts";
import { addDays } from "../../simulator/dates.ts";
import { allEvents, clients, dayMs, dayWindow, END, sumCents, type Json } from "./helpers.ts";

const sims: Simulator[] = [];
afterAll(async () => Promise.all(sims.map((s) => s.close())));
async function sim(options: Parameters<typeof startSimulator>[0]) {
  const s = await startSimulator({ seed: 21, users: 30, rateLimits: false, ...options });
  sims.push(s);
  return s;
}

const FIVE: [string, string][] = ["api_key_id", "workspace_id", "model", "service_tier", "context_window"].map((d) => ["group_by[]", d]);
const bucketOf = (day: string): [string, string][] => [["starting_at", `${day}T00:00:00Z`], ["ending_at", `${addDays(day, 1)}T00:00:00Z`]];

/** every windowed endpoint's answer for one day, as the raw bytes of the body */
async function dayAnswers(s: Simulator, day: string) {
  const basic = `Basic ${Buffer.from(`${s.credentials.cursorApiKey}:`).toString("base64")}`;
  const post = async (path: string, body: object) =>
    (await fetch(`${s.baseUrls.cursor}${path}`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify(body) })).text();
  const get = async (path: string, params: [string, string][]) =>
    (await fetch(`${s.baseUrls.anthropic}${path}?${new URLSearchParams(params)}`, { headers: clients(s).anthropicHeaders })).text();
  return {
    events: await post("/teams/filtered-usage-events", { ...dayWindow(day), pageSize: 1000 }),
    dailyActive: await post("/teams/daily-usage-data", dayWindow(day)),
    dailyAll: await post("/teams/daily-usage-data", { ...dayWindow(day), page: 1, pageSize: 1000 }),
    usage: await get("/v1/organizations/usage_report/messages", [...bucketOf(day), ...FIVE]),
    cost: await get("/v1/organizations/cost_report", [...bucketOf(day), ["group_by[]", "workspace_id"], ["group_by[]", "description"]]),
    claudeCode: await get("/v1/organizations/usage_report/claude_code", [["starting_at", day], ["limit", "1000"]]),
  };
}

describe("a day's data depends only on (seed, users, date)", () => {
  it("gives byte-identical answers for a date from simulators started at other times, with other histories", async () => {
    const started = [
      await sim({ endDate: END, historyDays: 30 }),
      await sim({ endDate: addDays(END, 7), historyDays: 90 }), // "a week later"
      await sim({ now: () => Date.parse(`${addDays(END, 3)}T17:45:12Z`), historyDays: 365 }), // a running clock, mid-day
    ];
    for (const day of [addDays(END, -20), addDays(END, -1)]) {
      const [first, ...others] = await Promise.all(started.map((s) => dayAnswers(s, day)));
      for (const other of others) expect(other).toEqual(first);
      expect(JSON.parse(first!.events).totalUsageEventsCount).toBeGreaterThan(0);
      expect(JSON.parse(first!.cost).data[0].results.length).toBeGreaterThan(0);
      expect(JSON.parse(first!.claudeCode).data.length).toBeGreaterThan(0);
      // and the truth of that day is the same money
      const truths = started.map((s) => s.truth({ start: day, end: day }));
      for (const t of truths) expect([t.costLines, t.vendorDaily]).toEqual([truths[0]!.costLines, truths[0]!.vendorDaily]);
    }
  });

  it("answers a date outside the history as the vendor would: empty, not an error", async () => {
    const s = await sim({ endDate: END, historyDays: 30 });
    const first = s.truth().days[0]!;
    expect(first).toBe(addDays(END, -29)); // today - 30 days, today being END + 1
    for (const day of [addDays(first, -1), addDays(END, -400), addDays(END, 2)]) {
      const a = Object.fromEntries(Object.entries(await dayAnswers(s, day)).map(([k, v]) => [k, JSON.parse(v)]));
      expect(a.events.totalUsageEventsCount).toBe(0);
      expect(a.events.usageEvents).toEqual([]);
      expect(a.dailyActive.data).toEqual([]);
      expect(a.dailyAll.data).toEqual([]);
      expect(a.usage.data).toEqual([{ starting_at: `${day}T00:00:00Z`, ending_at: `${addDays(day, 1)}T00:00:00Z`, results: [] }]);
      expect(a.cost.data[0].results).toEqual([]);
      expect(a.claudeCode).toEqual({ data: [], has_more: false, next_page: null });
      expect(s.truth({ start: day, end: day }).vendorDaily.map((v) => v.cents)).toEqual(["0", "0", "0"]);
    }
    const a = await dayAnswers(s, first); // the first day of the history is served
    expect(JSON.parse(a.events).totalUsageEventsCount).toBeGreaterThan(0);
    expect(JSON.parse(a.cost).data[0].results.length).toBeGreaterThan(0);
  });
});

describe("today is partial", () => {
  it("serves today's Cursor events and spend up to now; Anthropic and daily reports only once the day is over", async () => {
    const today = addDays(END, 1);
    let now = Date.parse(`${today}T15:00:00Z`);
    const s = await sim({ now: () => now, users: 40, historyDays: 40 });
    const c = clients(s);
    expect(s.today()).toBe(today);
    const eventsAt = async () => (await c.cursorPost("/teams/filtered-usage-events", { ...dayWindow(today), pageSize: 1000 })).body.usageEvents as Json[];
    const spendAt = async () => {
      const r = await c.cursorPost("/teams/spend", { pageSize: 1000 });
      return { cycleStart: r.body.subscriptionCycleStart as number, total: sumCents(r.body.teamMemberSpend.map((m: Json) => m.overallSpendCents)) };
    };

    const afternoon = await eventsAt();
    expect(afternoon.length).toBeGreaterThan(0);
    expect(afternoon.every((e) => Number(e.timestamp) <= now)).toBe(true);
    const spend = await spendAt();
    const cycle = await allEvents(c, spend.cycleStart, now);
    expect(spend.total).toBe(sumCents(cycle.map((e) => e.chargedCents))); // the snapshot includes today so far
    expect(spend.total).not.toBe(sumCents(cycle.filter((e) => Number(e.timestamp) < dayMs(today)).map((e) => e.chargedCents)));
    expect(s.truth({ start: today, end: today }).vendorDaily).toEqual([
      { day: today, tool: "cursor", cents: sumCents(afternoon.map((e) => e.chargedCents)) },
      { day: today, tool: "claude_code", cents: "0" },
      { day: today, tool: "claude_api", cents: "0" },
    ]);
    const before = await dayAnswers(s, today);
    expect(JSON.parse(before.usage).data[0].results).toEqual([]);
    expect(JSON.parse(before.cost).data[0].results).toEqual([]);
    expect(JSON.parse(before.claudeCode).data).toEqual([]);
    expect(JSON.parse(before.dailyActive).data).toEqual([]);

    now = Date.parse(`${today}T21:00:00Z`); // later the same day: more events, the earlier ones unchanged
    const evening = await eventsAt();
    expect(evening.length).toBeGreaterThan(afternoon.length);
    expect(evening.slice(evening.length - afternoon.length)).toEqual(afternoon); // newest first
    expect(Number((await spendAt()).total)).toBeGreaterThan(Number(spend.total));

    now = Date.parse(`${addDays(today, 1)}T00:30:00Z`); // the day is over
    const after = await dayAnswers(s, today);
    expect(JSON.parse(after.usage).data[0].results.length).toBeGreaterThan(0);
    expect(JSON.parse(after.claudeCode).data.length).toBeGreaterThan(0);
    expect(JSON.parse(after.dailyActive).data.length).toBeGreaterThan(0);
    expect(JSON.parse(after.events).usageEvents.length).toBeGreaterThanOrEqual(evening.length);
  });
});

describe("snapshot endpoints show the company at the clock", () => {
  it("a hire appears, a leaver's seat becomes isRemoved and their user goes, a dated move row appears", async () => {
    const t1 = Date.parse(`${addDays(END, 1)}T06:00:00Z`), t2 = t1 + 90 * 86_400_000;
    let now = t1;
    const s = await sim({ now: () => now, users: 40 });
    const c = clients(s);
    const snapshot = async () => ({
      day: s.today(),
      members: (await c.cursorGet("/teams/members")).body.teamMembers as Json[],
      users: (await c.anthropic("/v1/organizations/users", [["limit", "1000"]])).body.data as Json[],
      keys: (await c.anthropic("/v1/organizations/api_keys", [["limit", "1000"]])).body.data as Json[],
      people: (await c.sheets(`${s.credentials.spreadsheetId}/values/people`)).body.values.slice(1) as string[][],
    });
    const early = await snapshot();
    now = t2;
    const late = await snapshot();

    const emails = (rows: string[][]) => new Set(rows.map((r) => r[0]!.trim().toLowerCase()));
    const hires = [...emails(late.people)].filter((e) => !emails(early.people).has(e));
    expect(hires.length).toBeGreaterThan(0);
    const hired = s.truth().people.filter((p) => hires.includes(p.email));
    for (const p of hired) expect(p.hired > early.day && p.hired <= late.day).toBe(true); // not there before they were hired
    expect(late.members.some((m) => hires.includes(m.email.toLowerCase()) && !early.members.some((e) => e.id === m.id))).toBe(true);

    const removed = late.members.filter((m) => m.isRemoved && early.members.some((e) => e.id === m.id && !e.isRemoved));
    expect(removed.length).toBeGreaterThan(0);
    for (const m of removed) {
      expect(late.users.some((u) => u.email === m.email.toLowerCase())).toBe(false); // a leaver leaves the organization
      expect(emails(late.people).has(m.email.toLowerCase())).toBe(true); // and stays in the HR sheet
    }
    const archived = late.keys.filter((k) => k.status === "archived" && early.keys.some((e) => e.id === k.id && e.status === "active"));
    expect(archived.length).toBeGreaterThan(0);
    expect(late.keys.some((k) => !early.keys.some((e) => e.id === k.id))).toBe(true); // keys created since

    const dated = (rows: string[][]) => rows.filter((r) => (r[6] ?? "") !== "").map((r) => `${r[0]}|${r[6]}`);
    const newRows = dated(late.people).filter((r) => !dated(early.people).includes(r));
    expect(newRows.length).toBeGreaterThanOrEqual(3); // the rotating person alone moves every 28 days
    for (const r of newRows) expect(r.split("|")[1]! > early.day && r.split("|")[1]! <= late.day).toBe(true);

    now = t1; // the clock back: the same snapshot as before
    expect(await snapshot()).toEqual(early);
  });
});
