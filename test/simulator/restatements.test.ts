// Restatement switches: each kind changes exactly what it says in the served APIs, from the moment it is applied,
// and the ground truth as of before and after the change differs by exactly that.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Restatement, type Simulator } from "../../simulator/index.ts";
import { addDays } from "../../simulator/dates.ts";
import { clients, dayWindow, END, sumCents, type Json } from "./helpers.ts";

let sim: Simulator;
let c: ReturnType<typeof clients>;
const TODAY = addDays(END, 1);
const DAY = addDays(END, -3);
let now = Date.parse(`${TODAY}T06:00:00Z`);
/** each restatement a minute after the last, so "just before" is a time of its own */
const tick = () => (now += 60_000);

beforeAll(async () => {
  sim = await startSimulator({ seed: 31, users: 40, historyDays: 60, now: () => now, rateLimits: false });
  c = clients(sim);
});
afterAll(() => sim.close());

const FIVE: [string, string][] = ["api_key_id", "workspace_id", "model", "service_tier", "context_window"].map((d) => ["group_by[]", d]);
const bucket = (day: string): [string, string][] => [["starting_at", `${day}T00:00:00Z`], ["ending_at", `${addDays(day, 1)}T00:00:00Z`]];
const events = async (day: string) => (await c.cursorPost("/teams/filtered-usage-events", { ...dayWindow(day), pageSize: 1000 })).body.usageEvents as Json[];
const costRows = async (day: string) => (await c.anthropic("/v1/organizations/cost_report", [...bucket(day), ["group_by[]", "workspace_id"], ["group_by[]", "description"]])).body.data[0].results as Json[];
const usageRows = async (day: string) => (await c.anthropic("/v1/organizations/usage_report/messages", [...bucket(day), ...FIVE])).body.data[0].results as Json[];
const tab = async (name: string) => (await c.sheets(`${sim.credentials.spreadsheetId}/values/${name}`)).body.values.slice(1) as string[][];
const vendor = (t: ReturnType<Simulator["truth"]>, tool: string) => t.vendorDaily.find((v) => v.tool === tool)!.cents;
const minus = (a: string, b: string) => sumCents([a, `-${b}`]);
/** the rows of `xs` that `ys` does not have, compared whole */
const missingFrom = (xs: Json[], ys: Json[]) => xs.filter((x) => !ys.some((y) => JSON.stringify(y) === JSON.stringify(x)));

/** applies a restatement and returns the truth of `day` just before and just after it */
function restate(kind: Restatement["kind"], options: Parameters<Simulator["restate"]>[1], day = DAY) {
  tick();
  const before = sim.truth({ start: day, end: day, asOf: now - 1 });
  const r = sim.restate(kind, options);
  return { r, before, after: sim.truth({ start: day, end: day }) };
}

/** the one element of `after` that differs from `before` (by key), and that everything else is unchanged */
function changedOne<T>(before: T[], after: T[], key: (x: T) => string): { old: T; new: T } {
  expect(after.map(key)).toEqual(before.map(key));
  const changed = after.map((x, i) => ({ old: before[i]!, new: x })).filter((p) => JSON.stringify(p.old) !== JSON.stringify(p.new));
  expect(changed).toHaveLength(1);
  return changed[0]!;
}

describe("restatement switches", () => {
  it("reclassify_event: one charged event becomes Errored, Not Charged, same timestamp, user and conversation", async () => {
    const was = await events(DAY);
    const { r, before, after } = restate("reclassify_event", { day: DAY });
    const { old, new: now_ } = changedOne(was, await events(DAY), (e) => `${e.timestamp}|${e.conversationId}`);
    expect(r.target).toEqual({ timestamp: old.timestamp, userEmail: old.userEmail, conversationId: old.conversationId });
    expect(old.chargedCents).toBeGreaterThan(0);
    const { kind: _k, isChargeable: _c, chargedCents: _a, cursorTokenFee: _f, ...rest } = old;
    expect(now_).toEqual({ ...rest, kind: "Errored, Not Charged", isChargeable: false, chargedCents: 0 });
    expect(r.old).toEqual({ kind: old.kind, isChargeable: true, chargedCents: old.chargedCents });
    expect(r.new).toEqual({ kind: "Errored, Not Charged", isChargeable: false, chargedCents: 0 });
    expect(minus(vendor(before, "cursor"), vendor(after, "cursor"))).toBe(String(old.chargedCents));
    expect([vendor(after, "claude_code"), vendor(after, "claude_api")]).toEqual([vendor(before, "claude_code"), vendor(before, "claude_api")]);
  });

  it("restate_amount: one charged event gets another chargedCents, nothing else", async () => {
    const was = await events(DAY);
    const { r, before, after } = restate("restate_amount", { day: DAY });
    const { old, new: now_ } = changedOne(was, await events(DAY), (e) => `${e.timestamp}|${e.conversationId}`);
    expect(now_).toEqual({ ...old, chargedCents: r.new!.chargedCents });
    expect(now_.chargedCents).toBeLessThan(old.chargedCents); // a later discount
    expect(minus(vendor(before, "cursor"), vendor(after, "cursor"))).toBe(minus(String(old.chargedCents), String(now_.chargedCents)));
    // an amount can be given
    const given = sim.restate("restate_amount", { day: DAY, conversationId: old.conversationId, chargedCents: 1.25 });
    expect(given.new!.chargedCents).toBe(1.25);
    expect((await events(DAY)).find((e) => e.conversationId === old.conversationId)!.chargedCents).toBe(1.25);
  });

  it("drop_line: one cost-report line disappears, its usage stays", async () => {
    const [costWas, usageWas] = [await costRows(DAY), await usageRows(DAY)];
    const { r, before, after } = restate("drop_line", { day: DAY });
    const costNow = await costRows(DAY);
    const gone = missingFrom(costWas, costNow);
    expect(gone).toHaveLength(1);
    expect(costNow).toEqual(costWas.filter((x) => x !== gone[0]));
    expect({ workspaceId: gone[0].workspace_id, description: gone[0].description }).toEqual(r.target);
    expect(r.old).toEqual({ amount: gone[0].amount });
    expect(await usageRows(DAY)).toEqual(usageWas);
    const tool = gone[0].workspace_id === after.claudeCodeWorkspaceId ? "claude_code" : "claude_api";
    expect(minus(vendor(before, tool), vendor(after, tool))).toBe(gone[0].amount);
    expect(sumCents(after.costLines.filter((l) => l.tool !== "cursor").map((l) => l.cents))).toBe(sumCents(costNow.map((x) => x.amount)));
  });

  it("late_line: a new usage-report row for an existing key, with its cost", async () => {
    const [costWas, usageWas] = [await costRows(DAY), await usageRows(DAY)];
    const { r, before, after } = restate("late_line", { day: DAY });
    const usageNow = await usageRows(DAY);
    const added = missingFrom(usageNow, usageWas);
    expect(added).toHaveLength(1);
    expect(usageNow).toHaveLength(usageWas.length + 1);
    expect({ apiKeyId: added[0].api_key_id, workspaceId: added[0].workspace_id, model: added[0].model, serviceTier: added[0].service_tier, contextWindow: added[0].context_window }).toEqual(r.target);
    expect(usageWas.some((u) => u.api_key_id === r.target.apiKeyId && u.model === r.target.model && u.service_tier === r.target.serviceTier)).toBe(false);
    // a key that existed that day
    const keys = (await c.anthropic("/v1/organizations/api_keys", [["limit", "1000"]])).body.data as Json[];
    expect(keys.find((k) => k.id === r.target.apiKeyId)!.created_at < `${addDays(DAY, 1)}T`).toBe(true);
    expect(minus(sumCents((await costRows(DAY)).map((x) => x.amount)), sumCents(costWas.map((x) => x.amount)))).toBe(r.new!.cents);
    expect(minus(vendor(after, "claude_api"), vendor(before, "claude_api"))).toBe(r.new!.cents);
    expect(after.costLines.some((l) => l.apiKeyId === r.target.apiKeyId && l.model === r.target.model)).toBe(true);
  });

  it("change_key_owner: the api_key_owners tab names another mapped person, who owns the key's cost from that day on", async () => {
    const ownersWas = await tab("api_key_owners");
    tick();
    const appliedAt = now;
    const r = sim.restate("change_key_owner", {});
    const ownersNow = await tab("api_key_owners");
    const row = ownersNow.find((o) => o[0] === r.target.apiKeyId)!;
    expect(row[1]).toBe(r.new!.ownerEmail);
    expect(ownersNow.filter((o) => o[0] !== r.target.apiKeyId)).toEqual(ownersWas.filter((o) => o[0] !== r.target.apiKeyId));
    const people = await tab("people");
    expect(people.some((p) => p[0]!.trim().toLowerCase() === r.new!.ownerEmail)).toBe(true);
    expect(r.day).toBe(TODAY);
    // days go by: the key's cost belongs to the new owner from the edit's day, to the old one before
    now = Date.parse(`${addDays(TODAY, 3)}T06:00:00Z`);
    const owners = (asOf?: number) => new Map(sim.truth({ start: addDays(TODAY, -5), end: addDays(TODAY, 2), asOf }).costLines.filter((l) => l.apiKeyId === r.target.apiKeyId).map((l) => [l.day, l.email]));
    const after = owners();
    expect([...after].filter(([day]) => day >= TODAY).length).toBeGreaterThan(0);
    for (const [day, email] of after) expect(email).toBe(day >= TODAY ? r.new!.ownerEmail : r.old!.ownerEmail);
    for (const email of owners(appliedAt - 1).values()) expect(email).toBe(r.old!.ownerEmail);
    now = appliedAt;
  });

  it("move_person: a mapped person's row is edited in place to another team; the truth moves them from that day", async () => {
    const was = await tab("people");
    const { r, before, after } = restate("move_person", {}, TODAY);
    const { old, new: row } = changedOne(was, await tab("people"), (x) => `${x[0]}|${x[6] ?? ""}`);
    expect([old[0]!.trim().toLowerCase(), old[6] ?? null, old[2]]).toEqual([r.target.email, r.target.effective_from, r.old!.team]);
    expect(row[2]).toBe(r.new!.team);
    expect(row[3]).not.toBe(undefined);
    const spells = (t: typeof after) => t.people.find((p) => p.email === r.target.email)!.teams;
    expect(spells(after).slice(0, -1)).toEqual(spells(before));
    expect(spells(after).at(-1)).toMatchObject({ team: r.new!.team, from: TODAY });
    expect(after.people.find((p) => p.email === r.target.email)!.team).toBe(r.new!.team);
  });

  it("delete_person: a mapped person's rows leave the people tab; the truth keeps their past teams, unmapped from that day", async () => {
    const was = await tab("people");
    const { r, before, after } = restate("delete_person", {}, TODAY);
    const now_ = await tab("people");
    const mine = (rows: string[][]) => rows.filter((x) => x[0]!.trim().toLowerCase() === r.target.email);
    expect(mine(was)).toHaveLength(r.old!.rows as number);
    expect(mine(now_)).toEqual([]);
    expect(now_).toEqual(was.filter((x) => !mine(was).includes(x)));
    const person = (t: typeof after) => t.people.find((p) => p.email === r.target.email)!;
    expect(person(before).inMapping).toBe(true);
    expect(person(after).inMapping).toBe(false);
    expect(person(after).teams).toEqual([...person(before).teams, { team: null, department: null, costCenter: null, from: TODAY }]);
  });

  it("lists what was applied, over HTTP too, and refuses what cannot be done", async () => {
    const list = sim.restatements();
    expect(list.map((x) => x.kind)).toEqual(["reclassify_event", "restate_amount", "restate_amount", "drop_line", "late_line", "change_key_owner", "move_person", "delete_person"]);
    expect(list.map((x) => x.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...list.map((x) => x.appliedAt)].sort()).toEqual(list.map((x) => x.appliedAt));
    const post = async (body: object) => {
      const r = await fetch(`${sim.url}/_sim/restate`, { method: "POST", body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as Json };
    };
    tick();
    const made = await post({ kind: "reclassify_event" }); // the day defaults to one of the history
    expect(made.status).toBe(200);
    expect(made.body.day >= sim.truth().days[0]! && made.body.day <= TODAY).toBe(true);
    expect(made.body.summary).toMatch(/Errored, Not Charged/);
    expect((await (await fetch(`${sim.url}/_sim/restatements`)).json()).restatements).toEqual(sim.restatements());
    expect((await post({ kind: "rewrite_history" })).body.error).toMatch(/kind must be one of/);
    expect((await post({ kind: "drop_line", day: TODAY })).body.error).toMatch(/outside the days drop_line can change/); // today is not over
    expect((await post({ kind: "drop_line", day: addDays(TODAY, -61) })).status).toBe(400);
    expect((await post({ kind: "move_person", email: "nobody@example.com" })).body.error).toMatch(/not a mapped person/);
    expect((await post({ kind: "delete_person", day: DAY })).body.error).toMatch(/sheet edit made now/);
  });

  it("chooses the same targets from the same seed and sequence", async () => {
    const twin = await startSimulator({ seed: 31, users: 40, historyDays: 60, now: () => Date.parse(`${TODAY}T06:00:00Z`), rateLimits: false });
    try {
      const kinds = ["reclassify_event", "restate_amount", "drop_line", "late_line", "change_key_owner", "move_person", "delete_person"] as const;
      const fresh = await startSimulator({ seed: 31, users: 40, historyDays: 60, now: () => Date.parse(`${TODAY}T06:00:00Z`), rateLimits: false });
      try {
        const a = kinds.map((k) => twin.restate(k, {})), b = kinds.map((k) => fresh.restate(k, {}));
        expect(b.map(({ target, old, new: n, day }) => ({ target, old, n, day }))).toEqual(a.map(({ target, old, new: n, day }) => ({ target, old, n, day })));
      } finally {
        await fresh.close();
      }
    } finally {
      await twin.close();
    }
  });
});
