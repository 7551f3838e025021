import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../simulator/index.ts";
import { clients, END } from "./helpers.ts";

let sim: Simulator;
let c: ReturnType<typeof clients>;
let id: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, users: 30, historyDays: 40, endDate: END, rateLimits: false });
  c = clients(sim);
  id = sim.credentials.spreadsheetId;
});
afterAll(() => sim.close());

describe("Google Sheets values API", () => {
  it("refuses a wrong bearer token, needs a known spreadsheet and range, with Google error bodies", async () => {
    const r = await c.sheets(`${id}/values/people`, "ya29.wrong");
    expect(r.status).toBe(401);
    expect(r.body.error.status).toBe("UNAUTHENTICATED");
    expect(r.body.error.code).toBe(401);
    expect((await c.sheets("nope/values/people")).body.error.status).toBe("NOT_FOUND");
    // No credentials at all is an emulator's client (SHEETS_EMULATOR_HOST), as Google's emulators serve them.
    const anonymous = await fetch(`${sim.baseUrls.sheets}/v4/spreadsheets/${id}/values/people`);
    expect(anonymous.status).toBe(200);
    const bad = await c.sheets(`${id}/values/${encodeURIComponent("missing_tab!A1:B2")}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe("Unable to parse range: missing_tab!A1:B2");
  });

  it("serves the people tab as display strings, trailing empty cells omitted, team history by effective_from", async () => {
    const r = await c.sheets(`${id}/values/people`);
    expect(r.status).toBe(200);
    expect(r.body.range).toBe("people!A1:Z1000");
    const [header, ...rows] = r.body.values as string[][];
    expect(header).toEqual(["email", "name", "team", "department", "cost_center", "manager_email", "effective_from", "plan"]);
    for (const row of rows) for (const cell of row) expect(typeof cell).toBe("string");
    expect(rows.some((row) => row.length < header!.length)).toBe(true);
    for (const row of rows) expect(row[row.length - 1]).not.toBe("");
    const truth = sim.truth();
    const mapped = truth.people.filter((p) => p.inMapping);
    const emails = rows.map((row) => row[0]!.trim().toLowerCase());
    expect(new Set(emails)).toEqual(new Set(mapped.map((p) => p.email)));
    expect(truth.people.filter((p) => !p.inMapping)).toHaveLength(2); // the two the mapping forgot
    // everyone employed within the history, leavers kept
    const start = truth.days[0]!;
    expect(mapped.every((p) => p.left === null || p.left > start)).toBe(true);
    expect(mapped.some((p) => p.left !== null && p.left <= sim.today())).toBe(true);
    // an undated first row, then one dated row per move: the whole team history from one snapshot
    for (const person of mapped) {
      const own = rows.filter((row) => row[0]!.trim().toLowerCase() === person.email);
      expect(own.map((row) => [row[2], row[6] || null])).toEqual(person.teams.map((t) => [t.team, t.from]));
      expect(own[0]![6] ?? "").toBe("");
      expect(own.slice(1).every((row) => row[6]! <= sim.today())).toBe(true); // no future rows
      expect(new Set(own.map((row) => row[7] ?? "")).size).toBe(1); // a person's plan on every row
    }
    // a few people are on another plan than the default one; the rest leave the column empty
    const plans = rows.map((row) => row[7] ?? "");
    expect(plans.filter((p) => p === "Ultra").length).toBeGreaterThan(0);
    expect(plans.filter((p) => p === "").length).toBeGreaterThan(plans.length / 2);
    // the rotating person alternates between two teams every 28 days: a move in any 30-day window
    const rotating = mapped.find((p) => p.teams.length > 10)!;
    const moves = rotating.teams.slice(1).map((t) => t.from!);
    for (let i = 1; i < moves.length; i++) expect(Date.parse(moves[i]!) - Date.parse(moves[i - 1]!)).toBe(28 * 86_400_000);
    expect(new Set(rotating.teams.map((t) => t.team)).size).toBe(2);
  });

  it("batchGet returns the requested ranges in order; A1 ranges slice columns and rows; UNFORMATTED_VALUE gives numbers", async () => {
    const r = await c.sheets(`${id}/values:batchGet?ranges=budgets!A1:E3&ranges=seats&ranges=${encodeURIComponent("'api_key_owners'!A:B")}`);
    expect(r.body.spreadsheetId).toBe(id);
    const [budgets, seats, owners] = r.body.valueRanges;
    expect(budgets.range).toBe("budgets!A1:E3");
    expect(budgets.values).toHaveLength(3);
    expect(budgets.values[0]).toEqual(["month", "cost_center", "team", "tool", "budget_usd"]);
    expect(budgets.values[1][2]).toBe(""); // an empty cell in the middle stays
    expect(budgets.values[1][4]).toMatch(/^\d{1,3}(,\d{3})*\.\d{2}$/); // "#,##0.00" as displayed
    // the default plan is marked; trailing empty cells are omitted
    expect(seats.values).toEqual([["tool", "plan", "monthly_price_usd", "effective_from", "is_default"], ["cursor", "Teams", "40.00", "", "yes"], ["cursor", "Ultra", "200.00"]]);
    expect(owners.values.every((row: string[]) => row.length <= 2)).toBe(true);
    const keys = (await c.anthropic("/v1/organizations/api_keys", [["limit", "1000"]])).body.data.map((k: { id: string }) => k.id);
    for (const row of owners.values.slice(1)) expect(keys).toContain(row[0]);
    const raw = await c.sheets(`${id}/values/budgets!E2:E2?valueRenderOption=UNFORMATTED_VALUE`);
    expect(typeof raw.body.values[0][0]).toBe("number");
    expect(Number(budgets.values[1][4].replace(/,/g, ""))).toBe(raw.body.values[0][0]);
  });

  it("a tab longer than a new sheet's 1000-row grid is served whole: the grid grows with its rows, as Google's does", async () => {
    const big = await startSimulator({ seed: 5, users: 2000, historyDays: 40, endDate: END, rateLimits: false });
    try {
      const sheets = clients(big).sheets;
      const r = await sheets(`${big.credentials.spreadsheetId}/values/people`);
      const rows = (r.body.values as string[][]).length;
      expect(rows).toBeGreaterThan(2000);
      expect(r.body.range).toBe(`people!A1:Z${rows}`);
      const emails = new Set((r.body.values as string[][]).slice(1).map((row) => row[0]!.trim().toLowerCase()));
      expect(emails).toEqual(new Set(big.truth({ start: END, end: END }).people.filter((p) => p.inMapping).map((p) => p.email)));
      // an open-ended range reaches the same last row; the small tabs keep the new sheet's grid
      const open = await sheets(`${big.credentials.spreadsheetId}/values/${encodeURIComponent("people!A2:A")}`);
      expect(open.body.values).toHaveLength(rows - 1);
      expect((await sheets(`${big.credentials.spreadsheetId}/values/seats`)).body.range).toBe("seats!A1:Z1000");
    } finally {
      await big.close();
    }
  });
});
