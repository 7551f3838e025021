import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../simulator/index.ts";
import { clients, dayMs, END, type Json } from "./helpers.ts";

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe("rate limits", () => {
  it("Cursor: 20/min on admin routes, 429 with Retry-After in vendor seconds, both documented bodies, window resets", async () => {
    sim = await startSimulator({ seed: 1, users: 10, historyDays: 3, endDate: END, timeScale: 60 }); // 1 s windows
    const c = clients(sim);
    // align with a fresh window so 22 requests land in one
    await new Promise((ok) => setTimeout(ok, 1000 - (Date.now() % 1000)));
    const statuses: number[] = [];
    const limited: { headers: Headers; body: unknown }[] = [];
    for (let i = 0; i < 22; i++) {
      const r = await c.cursorGet("/teams/members");
      statuses.push(r.status);
      if (r.status === 429) limited.push(r);
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(20);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    for (const r of limited) {
      const after = Number(r.headers.get("retry-after"));
      expect(after).toBeGreaterThanOrEqual(1);
      expect(after).toBeLessThanOrEqual(60); // vendor seconds, not scaled
    }
    expect(limited.map((r) => r.body)).toEqual(expect.arrayContaining([
      { error: "Too Many Requests", message: "Rate limit exceeded. Please try again later." },
      { code: "error", message: "Rate limit exceeded" },
    ]));
    // usage events are a separate family with 60/min
    expect((await c.cursorPost("/teams/filtered-usage-events", { startDate: dayMs(END), endDate: dayMs(END) + 1000 })).status).toBe(200);
    await new Promise((ok) => setTimeout(ok, Number(limited[0]!.headers.get("retry-after")) * 1000 / 60 + 50));
    expect((await c.cursorGet("/teams/members")).status).toBe(200);
  });

  it("Anthropic and Sheets: 60/min, rate_limit_error with retry-after; rateLimits:false disables limits", async () => {
    sim = await startSimulator({ seed: 1, users: 10, historyDays: 3, endDate: END, timeScale: 30 });
    const c = clients(sim);
    let anth: Awaited<ReturnType<typeof c.anthropic>> | undefined;
    for (let i = 0; i < 140 && !anth; i++) {
      const r = await c.anthropic("/v1/organizations/workspaces");
      if (r.status === 429) anth = r;
    }
    expect(anth?.body.error.type).toBe("rate_limit_error");
    expect(Number(anth?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    let sheet: Awaited<ReturnType<typeof c.sheets>> | undefined;
    for (let i = 0; i < 140 && !sheet; i++) {
      const r = await c.sheets(`${sim.credentials.spreadsheetId}/values/seats`);
      if (r.status === 429) sheet = r;
    }
    expect(sheet?.body.error.status).toBe("RESOURCE_EXHAUSTED");
    await sim.close();
    sim = await startSimulator({ seed: 1, users: 10, historyDays: 3, endDate: END, rateLimits: false });
    const free = clients(sim);
    for (let i = 0; i < 30; i++) expect((await free.cursorGet("/teams/members")).status).toBe(200);
  });
});

describe("fault switches", () => {
  it("serverErrors and rateLimitStorm answer with vendor errors; retries succeed", async () => {
    sim = await startSimulator({ seed: 3, users: 10, historyDays: 3, endDate: END, rateLimits: false, faults: { serverErrors: 0.3, rateLimitStorm: 0.2 } });
    const c = clients(sim);
    const statuses: number[] = [];
    for (let i = 0; i < 80; i++) statuses.push((await c.anthropic("/v1/organizations/users")).status);
    expect(statuses.filter((s) => s >= 500).length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(3);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(20);
    expect(new Set(statuses.filter((s) => s >= 500)).size).toBeGreaterThan(1);
    expect(sim.requestStats().byStatus["200"]).toBe(statuses.filter((s) => s === 200).length);
  });

  it("truncatedBodies cuts a 200 mid-JSON and counts nothing as served; a retry is counted once", async () => {
    sim = await startSimulator({ seed: 3, users: 10, historyDays: 3, endDate: END, rateLimits: false, faults: { truncatedBodies: 1 } });
    const c = clients(sim);
    await expect(c.cursorGet("/teams/members")).rejects.toThrow();
    expect(sim.served()["cursor.members"]).toBe(0);
    sim.setFaults({});
    const ok = await c.cursorGet("/teams/members");
    await c.cursorGet("/teams/members");
    expect(sim.served()["cursor.members"]).toBe(ok.body.teamMembers.length);
    sim.resetCounters();
    expect(sim.served()["cursor.members"]).toBe(0);
    expect(sim.requestStats().total).toBe(0);
  });

  it("invalidRecords breaks natural keys deterministically and reports them; unknownFields adds fields to records and pages", async () => {
    sim = await startSimulator({ seed: 3, users: 40, historyDays: 10, endDate: END, rateLimits: false, faults: { invalidRecords: 0.2, unknownFields: true, slowMs: 5 } });
    const c = clients(sim);
    const members = (await c.cursorGet("/teams/members")).body;
    const broken = members.teamMembers.filter((m: Record<string, unknown>) => !("email" in m));
    expect(broken.length).toBeGreaterThan(0);
    expect(sim.invalidServed()["cursor.members"]).toBe(broken.length);
    expect(members).toHaveProperty("unknown_page_field_sim");
    expect(members.teamMembers[0]).toHaveProperty("unknown_field_sim");
    const again = (await c.cursorGet("/teams/members")).body;
    expect(again.teamMembers).toEqual(members.teamMembers); // same records broken on a retry
    const cost = (await c.anthropic("/v1/organizations/cost_report", [["starting_at", "2026-11-12T00:00:00Z"], ["group_by[]", "workspace_id"], ["group_by[]", "description"], ["limit", "10"]])).body;
    const amounts = cost.data.flatMap((b: Json) => b.results.map((r: Json) => r.amount));
    expect(amounts.filter((a: string) => Number.isNaN(Number(a))).length).toBe(sim.invalidServed()["anthropic.cost_report"]);
    expect(sim.invalidServed()["anthropic.cost_report"]).toBeGreaterThan(0);
    const people = (await c.sheets(`${sim.credentials.spreadsheetId}/values/people`)).body.values;
    expect(people[0]).toContain("imported_from");
    expect(people.slice(1).filter((row: string[]) => row[0] === "").length).toBe(sim.invalidServed()["mapping.people"]);
  });
});
