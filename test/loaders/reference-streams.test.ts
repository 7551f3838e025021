// Each stream against a loopback server answering with the vendor reference's own JSON examples: the quirks of
// reference/vendor-apis.md, pagination to the last page and chunking at each API's limit.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { anthropicStreams } from "../../loaders/anthropic/index.ts";
import { endMs, startMs } from "../../loaders/core/days.ts";
import { silentLogger } from "../../loaders/core/log.ts";
import type { FetchedRecord, StreamDef } from "../../loaders/core/stream.ts";
import { cursorStreams } from "../../loaders/cursor/index.ts";
import { auth as googleAuth } from "@googleapis/sheets";
import { mappingStreams } from "../../loaders/mapping/index.ts";
import { checkTab } from "../../loaders/mapping/validate.ts";
import { z } from "zod";
import { startFixtureServer, type FixtureServer } from "../helpers/fixture-server.ts";
import { tempDir } from "../helpers/config.ts";
import { writeFileSync } from "node:fs";
import path from "node:path";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8"));

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function stream(defs: StreamDef[], name: string): StreamDef {
  return defs.find((d) => d.name === name)!;
}

async function collect(def: StreamDef, start: string, end = start) {
  const stats = { requests: 0, retries: 0, bytes: 0 };
  const records: FetchedRecord[] = [];
  for await (const page of def.fetch({ window: { start, end }, stats })) records.push(...page);
  return { records, stats, valid: records.map((r) => def.schema.safeParse(r.record).success) };
}

const cursor = (url: string) => cursorStreams({ apiKey: "key_test123456", baseUrl: url, log: silentLogger, timeScale: 1000 });
const anthropic = (url: string) => anthropicStreams({ adminKey: "sk-ant-admin01-test", baseUrl: url, log: silentLogger, timeScale: 1000 });

describe("Cursor", () => {
  it("members: Basic auth with the key as user name, record untouched, dated the run's day", async () => {
    server = await startFixtureServer({ "GET /teams/members": () => ({ body: fixture("cursor-members") }) });
    const { records, valid } = await collect(stream(cursor(server.url), "members"), "2026-11-22");
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from("key_test123456:").toString("base64")}`);
    expect(records).toEqual([{ windowDate: "2026-11-22", windowStart: "2026-11-22T00:00:00.000Z", windowEnd: "2026-11-23T00:00:00.000Z", record: fixture("cursor-members").teamMembers[0] }]);
    expect(valid).toEqual([true]);
  });

  it("daily usage: sends page+pageSize (inactive members too), inclusive ms bounds, keys on `day` not a non-midnight `date`, string or number userId", async () => {
    const page1 = fixture("cursor-daily-usage");
    page1.pagination.hasNextPage = true;
    const live = { ...page1.data[0], userId: "user_tkWg", day: "2025-09-17", date: 1758133588288 }; // 18:26Z, observed live
    page1.data.push(live);
    const page2 = { data: [{ ...live, email: "other@company.com", isActive: false, mostUsedModel: null }], pagination: { hasNextPage: false } };
    server = await startFixtureServer({ "POST /teams/daily-usage-data": (_r, n) => ({ body: n === 1 ? page1 : page2 }) });
    const { records, valid } = await collect(stream(cursor(server.url), "daily_usage"), "2025-09-01", "2025-09-30");
    expect(server.requests.map((r) => r.body)).toEqual([
      { startDate: startMs("2025-09-01"), endDate: endMs("2025-09-30"), page: 1, pageSize: 500 },
      { startDate: startMs("2025-09-01"), endDate: endMs("2025-09-30"), page: 2, pageSize: 500 },
    ]);
    expect(records.map((r) => r.windowDate)).toEqual(["2024-03-18", "2025-09-17", "2025-09-17"]);
    expect(valid).toEqual([true, true, true]);
  });

  it("daily usage: a row with neither email nor userId, or without `day`, is invalid", () => {
    const def = stream(cursor("http://127.0.0.1:1"), "daily_usage");
    const row = fixture("cursor-daily-usage").data[0];
    const { email: _e, userId: _u, ...anonymous } = row;
    expect(def.schema.safeParse(anonymous).success).toBe(false);
    expect(def.schema.safeParse({ ...row, email: undefined }).success).toBe(true);
    expect(def.schema.safeParse({ ...row, day: null }).success).toBe(false);
  });

  it("usage events: one UTC day per request [D 00:00, D 23:59:59.999], pageSize 1000, pages to the last, timestamp kept as the string it is", async () => {
    const first = fixture("cursor-usage-events");
    const last = { ...first, pagination: { ...first.pagination, currentPage: 2, hasNextPage: false } };
    server = await startFixtureServer({ "POST /teams/filtered-usage-events": (_r, n) => ({ body: n === 1 ? first : last }) });
    const { records, valid } = await collect(stream(cursor(server.url), "usage_events"), "2025-06-26");
    expect(server.requests.map((r) => r.body)).toEqual([
      { startDate: Date.parse("2025-06-26T00:00:00Z"), endDate: Date.parse("2025-06-26T23:59:59.999Z"), page: 1, pageSize: 1000 },
      { startDate: Date.parse("2025-06-26T00:00:00Z"), endDate: Date.parse("2025-06-26T23:59:59.999Z"), page: 2, pageSize: 1000 },
    ]);
    expect(records).toHaveLength(2);
    expect((records[0]!.record as { timestamp: unknown }).timestamp).toBe("1750979225854");
    expect((records[0]!.record as { chargedCents: unknown }).chargedCents).toBe(21.36232);
    expect(valid).toEqual([true, true]);
  });

  it("usage events: events without tokenUsage (request-based) are valid", () => {
    const def = stream(cursor("http://127.0.0.1:1"), "usage_events");
    const { tokenUsage: _t, cursorTokenFee: _f, ...requestBased } = fixture("cursor-usage-events").usageEvents[0];
    expect(def.schema.safeParse({ ...requestBased, kind: "Included in Business", chargedCents: 0 }).success).toBe(true);
  });

  it("spend: pages until totalPages and copies the page's subscriptionCycleStart into each row", async () => {
    const page = fixture("cursor-spend");
    page.totalPages = 2;
    server = await startFixtureServer({ "POST /teams/spend": () => ({ body: page }) });
    const { records } = await collect(stream(cursor(server.url), "spend"), "2026-11-22");
    expect(server.requests.map((r) => r.body)).toEqual([{ page: 1, pageSize: 100 }, { page: 2, pageSize: 100 }]);
    expect(records[0]!.record).toEqual({ ...page.teamMemberSpend[0], subscriptionCycleStart: 1708992000000 });
    expect((records[0]!.record as { spendCents: number }).spendCents).toBe(2450.125487);
  });
});

describe("Anthropic", () => {
  it("usage report: admin headers, five group_by[] dimensions, 31 daily buckets a page, pages to the last, empty buckets land nothing", async () => {
    const first = fixture("anthropic-usage");
    const nullDims = { ...first.data[0].results[0], workspace_id: null, api_key_id: null }; // Default Workspace, Console usage
    first.data[0].results.push(nullDims);
    const last = { data: [{ starting_at: "2025-08-02T00:00:00Z", ending_at: "2025-08-03T00:00:00Z", results: [] }], has_more: false, next_page: null };
    server = await startFixtureServer({ "GET /v1/organizations/usage_report/messages": (_r, n) => ({ body: n === 1 ? first : last }) });
    const { records, valid } = await collect(stream(anthropic(server.url), "usage_messages"), "2025-08-01", "2025-08-02");
    const [q1, q2] = server.requests.map((r) => r.query);
    expect(server.requests[0]!.headers["x-api-key"]).toBe("sk-ant-admin01-test");
    expect(server.requests[0]!.headers["anthropic-version"]).toBe("2023-06-01");
    expect(q1!.getAll("group_by[]")).toEqual(["api_key_id", "workspace_id", "model", "service_tier", "context_window"]);
    expect(Object.fromEntries([...q1!].filter(([k]) => k !== "group_by[]"))).toEqual({
      starting_at: "2025-08-01T00:00:00Z",
      ending_at: "2025-08-03T00:00:00Z",
      bucket_width: "1d",
      limit: "31",
    });
    expect(q2!.get("page")).toBe("page_MjAyNS0wNS0xNFQwMDowMDowMFo=");
    expect(records.map((r) => [r.windowDate, r.windowStart, r.windowEnd])).toEqual([
      ["2025-08-01", "2025-08-01T00:00:00Z", "2025-08-02T00:00:00Z"],
      ["2025-08-01", "2025-08-01T00:00:00Z", "2025-08-02T00:00:00Z"],
    ]);
    expect(valid).toEqual([true, true]);
  });

  it("usage report: cache writes come as cache_creation.ephemeral_5m/1h; a row that only has cache_creation_input_tokens is invalid", () => {
    const def = stream(anthropic("http://127.0.0.1:1"), "usage_messages");
    const { cache_creation: _c, ...row } = fixture("anthropic-usage").data[0].results[0];
    expect(def.schema.safeParse({ ...row, cache_creation_input_tokens: 1500 }).success).toBe(false);
    expect(def.schema.safeParse({ ...row, api_key_id: undefined, cache_creation: { ephemeral_5m_input_tokens: 1, ephemeral_1h_input_tokens: 2 } }).success).toBe(false);
  });

  it("cost report: groups by workspace_id and description, keeps amount as the decimal string of cents", async () => {
    const page = { ...fixture("anthropic-cost"), has_more: false, next_page: null };
    server = await startFixtureServer({ "GET /v1/organizations/cost_report": () => ({ body: page }) });
    const { records, valid } = await collect(stream(anthropic(server.url), "cost_report"), "2025-08-01");
    expect(server.requests[0]!.query.getAll("group_by[]")).toEqual(["workspace_id", "description"]);
    expect((records[0]!.record as { amount: unknown }).amount).toBe("123.78912");
    expect(valid).toEqual([true]);
    const def = stream(anthropic("http://127.0.0.1:1"), "cost_report");
    expect(def.schema.safeParse({ ...page.data[0].results[0], amount: 123.78912 }).success).toBe(false);
    expect(def.schema.safeParse({ ...page.data[0].results[0], amount: "12,5" }).success).toBe(false);
  });

  it("claude code: one UTC day per call as YYYY-MM-DD, limit 1000, cursor pages; user and api actors", async () => {
    const first = fixture("anthropic-claude-code");
    const apiActor = { ...first.data[0], actor: { type: "api_actor", api_key_name: "ci-bot" } };
    const last = { data: [apiActor], has_more: false, next_page: null };
    server = await startFixtureServer({ "GET /v1/organizations/usage_report/claude_code": (_r, n) => ({ body: n === 1 ? first : last }) });
    const { records, valid } = await collect(stream(anthropic(server.url), "claude_code"), "2025-08-08");
    expect(server.requests.map((r) => Object.fromEntries(r.query))).toEqual([
      { starting_at: "2025-08-08", limit: "1000" },
      { starting_at: "2025-08-08", limit: "1000", page: "page_MjAy" },
    ]);
    expect(records.map((r) => r.windowDate)).toEqual(["2025-08-08", "2025-08-08"]);
    expect(valid).toEqual([true, true]);
  });

  it("lists page with after_id = last_id while has_more", async () => {
    const key = (id: string, workspace: string | null) => ({ id, type: "api_key", name: id, status: "active", workspace_id: workspace, created_at: "2025-01-01T00:00:00Z", created_by: { id: "user_1", type: "user" }, principal: null });
    server = await startFixtureServer({
      "GET /v1/organizations/api_keys": (req) =>
        req.query.get("after_id")
          ? { body: { data: [key("apikey_3", "wrkspc_1")], has_more: false, first_id: "apikey_3", last_id: "apikey_3" } }
          : { body: { data: [key("apikey_1", null), key("apikey_2", "wrkspc_1")], has_more: true, first_id: "apikey_1", last_id: "apikey_2" } },
    });
    const { records, valid } = await collect(stream(anthropic(server.url), "api_keys"), "2026-11-22");
    expect(server.requests.map((r) => r.query.get("after_id"))).toEqual([null, "apikey_2"]);
    expect(records.map((r) => (r.record as { id: string }).id)).toEqual(["apikey_1", "apikey_2", "apikey_3"]);
    expect(valid).toEqual([true, true, true]);
  });
});

describe("mapping", () => {
  it("pads rows Sheets shortened (trailing empty cells omitted), drops blank rows and lower-cases headers", () => {
    const rules = { required: ["email"], optional: [], naturalKey: ["window_date", "email"], minRows: 0 };
    const tab = (values: unknown[][]) => ({ label: "tab t", rows: values.map((cells, i) => ({ at: `row ${i + 1}`, cells })) });
    expect(checkTab("t", rules, z.looseObject({}), tab(fixture("sheets-values").values), undefined, 50)).toEqual([
      { email: "a@x.com", api_key_id: "apikey_01", person: "Alice", team: "Platform" },
      { email: "b@x.com", api_key_id: "", person: "", team: "" },
    ]);
    expect(checkTab("t", rules, z.looseObject({}), tab([[" Email ", "Team"], [], ["", ""], ["c@x.com", "Data"]]), undefined, 50)).toEqual([{ email: "c@x.com", team: "Data" }]);
  });

  it("reads all tabs in one values:batchGet with a Bearer token, numbers unformatted; an empty tab has no values key", async () => {
    const range = (tab: string, values?: unknown[][]) => ({ range: `${tab}!A1:Z1000`, majorDimension: "ROWS", ...(values ? { values } : {}) });
    server = await startFixtureServer({
      "GET /v4/spreadsheets/sheet_ID_123456/values:batchGet": () => ({
        body: {
          spreadsheetId: "sheet_ID_123456",
          valueRanges: [
            range("people", [["email", "name", "team", "department", "cost_center", "manager_email"], ["A@x.com ", "Alice"]]),
            range("api_key_owners", [["api_key_id", "owner_email"]]),
            range("budgets", [["month", "cost_center", "team", "tool", "budget_usd"]]),
            range("seats", [["tool", "plan", "monthly_price_usd"], ["cursor", "Teams", 40]]),
          ],
        },
      }),
    });
    // Google's own OAuth2 client, as Application Default Credentials would give, with a token that needs no network.
    const auth = new googleAuth.OAuth2();
    auth.setCredentials({ access_token: "ya29.test-token", expiry_date: Date.now() + 3_600_000 });
    const defs = mappingStreams({ kind: "sheets", spreadsheetId: "sheet_ID_123456", baseUrl: server.url, auth, log: silentLogger, timeScale: 1000 });
    const people = await collect(stream(defs, "people"), "2026-11-22");
    const seats = await collect(stream(defs, "seats"), "2026-11-22");
    const budgets = await collect(stream(defs, "budgets"), "2026-11-22");
    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req!.headers.authorization).toBe("Bearer ya29.test-token");
    expect(req!.query.getAll("ranges")).toEqual(["'people'", "'api_key_owners'", "'budgets'", "'seats'"]);
    expect(req!.query.get("valueRenderOption")).toBe("UNFORMATTED_VALUE");
    expect(people.records.map((r) => r.record)).toEqual([{ email: "A@x.com", name: "Alice", team: "", department: "", cost_center: "", manager_email: "" }]);
    expect(seats.records.map((r) => r.record)).toEqual([{ tool: "cursor", plan: "Teams", monthly_price_usd: "40" }]);
    expect(budgets.records).toEqual([]);
  });

  it("reads CSV tabs from MAPPING_URI and says which file is missing", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, "seats.csv"), "tool,plan,monthly_price_usd\ncursor,business,40\nclaude_code,,x\n");
    const defs = mappingStreams({ kind: "csv", dir, log: silentLogger });
    const seats = await collect(stream(defs, "seats"), "2026-11-22");
    expect(seats.records.map((r) => r.record)).toEqual([
      { tool: "cursor", plan: "business", monthly_price_usd: "40" },
      { tool: "claude_code", plan: "", monthly_price_usd: "x" },
    ]);
    expect(seats.valid).toEqual([true, false]);
    await expect(collect(stream(defs, "people"), "2026-11-22")).rejects.toThrow(/people\.csv/);
  });
});
