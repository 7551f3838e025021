import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../simulator/index.ts";
import { addDays } from "../../simulator/dates.ts";
import { clients, END, sumCents, type Json } from "./helpers.ts";

let a: Simulator, b: Simulator;
const START = addDays(END, -44);
beforeAll(async () => {
  a = await startSimulator({ seed: 99, users: 40, historyDays: 60, endDate: END, rateLimits: false });
  b = await startSimulator({ seed: 99, users: 40, historyDays: 60, endDate: END, rateLimits: false });
});
afterAll(async () => {
  await a.close();
  await b.close();
});

describe("ground truth", () => {
  it("cost lines add up to the vendor's daily figures exactly, per day and tool", () => {
    const t = a.truth({ start: START, end: END });
    expect(t.days).toHaveLength(45);
    expect(t.days[44]).toBe(END);
    expect(t.asOf).toBe(`${addDays(END, 1)}T06:00:00.000Z`);
    for (const v of t.vendorDaily) {
      const lines = t.costLines.filter((l) => l.day === v.day && l.tool === v.tool).map((l) => l.cents);
      expect(sumCents(lines)).toBe(v.cents);
    }
    expect(t.vendorDaily.filter((v) => v.tool === "claude_code" && v.cents !== "0").length).toBeGreaterThan(20);
  });

  it("names who the money belongs to: API key owners, Claude Code users, null for Console usage", async () => {
    const t = a.truth({ start: START, end: END });
    const c = clients(a);
    const keys = (await c.anthropic("/v1/organizations/api_keys", [["limit", "1000"]])).body.data as Json[];
    const users = (await c.anthropic("/v1/organizations/users", [["limit", "1000"]])).body.data as Json[];
    const owners = (await c.sheets(`${a.credentials.spreadsheetId}/values/api_key_owners`)).body.values.slice(1) as string[][];
    const emailOf = (userId: string | undefined) => users.find((u) => u.id === userId)?.email ?? null;
    // design §4: mapping override > key principal user > creator
    const expectedOwner = (k: Json) => owners.find((o) => o[0] === k.id)?.[1] ?? (k.principal?.type === "user" ? emailOf(k.principal.id) : null) ?? emailOf(k.created_by?.id) ?? null;
    let leavers = 0, codeExecution = 0;
    for (const line of t.costLines.filter((l) => l.tool !== "cursor")) {
      const key = keys.find((k) => k.id === line.apiKeyId);
      if (line.apiKeyId === null) {
        expect(line.email).toBeNull(); // Console usage, or a line with no usage measure
        if (line.model !== null) expect(line.workspaceId).toBeNull(); // Console usage: the Default Workspace
        else codeExecution++; // code execution: no model, no key, its workspace kept
      } else if (key.principal?.type === "user" && emailOf(key.principal.id) === null) {
        // the owner left: removed from the organization (so today's users list cannot name them), their key archived,
        // and still in the people tab, which keeps leavers
        const person = t.people.find((p) => p.email === line.email)!;
        expect(person.left! <= a.today() && person.left! > line.day).toBe(true);
        expect(key.status).toBe("archived");
        leavers++;
      } else {
        expect(line.email).toBe(expectedOwner(key));
      }
    }
    expect(leavers).toBeGreaterThan(0);
    expect(codeExecution).toBeGreaterThan(0);
    const overridden = owners[0]![0];
    expect(t.costLines.some((l) => l.apiKeyId === overridden && l.email === owners[0]![1])).toBe(true);
    expect(t.costLines.some((l) => l.tool === "claude_api" && l.tokenType === null)).toBe(true); // web search
    const unmapped = t.people.filter((p) => !p.inMapping).map((p) => p.email);
    expect(t.costLines.some((l) => l.email && unmapped.includes(l.email))).toBe(true);
    // the forgotten people are not in the mapping on any day
    for (const p of t.people.filter((x) => !x.inMapping)) expect(p.teams).toEqual([{ team: null, department: null, costCenter: null, from: null }]);
  });

  it("is served over HTTP for out-of-process use, with its range and time", async () => {
    const r = await fetch(`${a.url}/_sim/truth?start=${START}&end=${END}`);
    expect(await r.json()).toEqual(JSON.parse(JSON.stringify(a.truth({ start: START, end: END }))));
    const asOf = Date.parse(`${END}T12:00:00Z`);
    const past = await (await fetch(`${a.url}/_sim/truth?start=${END}&end=${END}&asOf=${new Date(asOf).toISOString()}`)).json();
    expect(past).toEqual(JSON.parse(JSON.stringify(a.truth({ start: END, end: END, asOf }))));
    expect((await fetch(`${a.url}/_sim/truth?start=${END}&end=${START}`)).status).toBe(400);
    const s = (await (await fetch(`${a.url}/_sim/served`)).json()) as { served: Record<string, number> };
    expect(Object.keys(s.served)).toContain("anthropic.usage_messages");
  });
});

describe("determinism", () => {
  it("same seed, same data; another seed, other data", async () => {
    expect(b.truth()).toEqual(a.truth());
    expect(b.truth().days).toHaveLength(61); // the history: 60 days before today, and today
    const [ca, cb] = [clients(a), clients(b)];
    const body = { startDate: Date.parse("2026-11-03T00:00:00Z"), endDate: Date.parse("2026-11-09T23:59:59.999Z"), pageSize: 1000 };
    expect((await ca.cursorPost("/teams/filtered-usage-events", body)).body).toEqual((await cb.cursorPost("/teams/filtered-usage-events", body)).body);
    const q: [string, string][] = [["starting_at", "2026-11-01T00:00:00Z"], ["group_by[]", "api_key_id"], ["group_by[]", "model"]];
    expect((await ca.anthropic("/v1/organizations/usage_report/messages", q)).body).toEqual((await cb.anthropic("/v1/organizations/usage_report/messages", q)).body);
    const other = await startSimulator({ seed: 100, users: 40, historyDays: 60, endDate: END, rateLimits: false });
    try {
      expect(other.truth().vendorDaily).not.toEqual(a.truth().vendorDaily);
    } finally {
      await other.close();
    }
  });

  it("a day's data does not depend on which other days were generated first (lazy per-day generation)", async () => {
    const fresh = await startSimulator({ seed: 99, users: 40, historyDays: 60, endDate: END, rateLimits: false });
    try {
      const q: [string, string][] = [["starting_at", "2026-11-15"]];
      expect((await clients(fresh).anthropic("/v1/organizations/usage_report/claude_code", q)).body).toEqual((await clients(a).anthropic("/v1/organizations/usage_report/claude_code", q)).body);
    } finally {
      await fresh.close();
    }
  });

  it("200 users x 365 days starts instantly and computes the truth in seconds", async () => {
    const t0 = Date.now();
    const big = await startSimulator({ seed: 5, users: 200, endDate: END, rateLimits: false });
    try {
      expect(Date.now() - t0).toBeLessThan(1000);
      const t = big.truth({ start: addDays(END, -364), end: END });
      expect(t.days).toHaveLength(365);
      expect(Date.now() - t0).toBeLessThan(30_000); // ~2 s on an idle core; a guard against pathologies, not a benchmark
    } finally {
      await big.close();
    }
  });

  it("rejects bad options with a clear message", async () => {
    await expect(startSimulator({ users: 2 })).rejects.toThrow(/users must be an integer from 4/);
    await expect(startSimulator({ endDate: "2026-13-01" })).rejects.toThrow(/endDate must be a YYYY-MM-DD/);
    await expect(startSimulator({ historyDays: 0 })).rejects.toThrow(/historyDays must be an integer from 1/);
    await expect(startSimulator({ endDate: END, now: () => 0 })).rejects.toThrow(/either now or endDate/);
    await expect(startSimulator({ faults: { serverErrors: 2 } })).rejects.toThrow(/faults.serverErrors/);
    await expect(startSimulator({ timeScale: 0 })).rejects.toThrow(/timeScale/);
  });
});
