import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../simulator/index.ts";
import { clients, END, sumCents, type Json } from "./helpers.ts";

let sim: Simulator;
let c: ReturnType<typeof clients>;
const USAGE = "/v1/organizations/usage_report/messages";
const COST = "/v1/organizations/cost_report";
const CC = "/v1/organizations/usage_report/claude_code";
const FIVE: [string, string][] = ["api_key_id", "workspace_id", "model", "service_tier", "context_window"].map((d) => ["group_by[]", d]);

beforeAll(async () => {
  sim = await startSimulator({ seed: 11, users: 40, historyDays: 20, endDate: END, rateLimits: false });
  c = clients(sim);
});
afterAll(() => sim.close());

/** follow next_page to the end */
async function allPages(path: string, params: [string, string][]) {
  const pages: Json[] = [];
  let page: string | null = null;
  do {
    const r = await c.anthropic(path, page ? [...params, ["page", page]] : params);
    expect(r.status).toBe(200);
    pages.push(r.body);
    page = r.body.has_more ? r.body.next_page : null;
    if (!r.body.has_more) expect(r.body.next_page).toBeNull();
  } while (page);
  return pages;
}

describe("Anthropic Admin API contract", () => {
  it("authentication errors use the error envelope and a request-id header", async () => {
    const r = await c.anthropic("/v1/organizations/users", [], { "x-api-key": "sk-ant-api03-nope", "anthropic-version": "2023-06-01" });
    expect(r.status).toBe(401);
    expect(r.body.type).toBe("error");
    expect(r.body.error.type).toBe("authentication_error");
    expect(r.body.request_id).toMatch(/^req_/);
    expect(r.headers.get("request-id")).toBe(r.body.request_id);
    const noVersion = await c.anthropic("/v1/organizations/users", [], { "x-api-key": sim.credentials.anthropicAdminKey });
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.error.type).toBe("invalid_request_error");
    expect(noVersion.body.error.message).toMatch(/anthropic-version/);
  });

  it("usage report: 400 above 5 group_by[] dimensions and above limit 31", async () => {
    const six = await c.anthropic(USAGE, [["starting_at", "2026-11-01T00:00:00Z"], ...FIVE, ["group_by[]", "account_id"]]);
    expect(six.status).toBe(400);
    expect(six.body.error).toEqual({ type: "invalid_request_error", message: "Cannot specify more than 5 group_by[] dimensions." });
    expect((await c.anthropic(USAGE, [["starting_at", "2026-11-01T00:00:00Z"], ["limit", "32"]])).status).toBe(400);
    expect((await c.anthropic(USAGE, [["starting_at", "2026-11-01T00:00:00Z"], ["limit", "31"]])).status).toBe(200);
    expect((await c.anthropic(USAGE, [["starting_at", "yesterday"]])).status).toBe(400);
    expect((await c.anthropic(USAGE, [])).status).toBe(400);
  });

  it("usage report: oldest-first daily buckets incl. empty ones, default 7 per page, null ungrouped dims, no cache_creation_input_tokens", async () => {
    const params: [string, string][] = [["starting_at", "2026-10-25T00:00:00Z"], ["ending_at", "2026-11-24T00:00:00Z"], ...FIVE];
    const pages = await allPages(USAGE, params);
    expect(pages[0].data).toHaveLength(7);
    const buckets = pages.flatMap((p) => p.data);
    expect(buckets).toHaveLength(30);
    expect(buckets.map((b: Json) => b.starting_at)).toEqual([...buckets.map((b: Json) => b.starting_at)].sort());
    expect(buckets[0].starting_at).toBe("2026-10-25T00:00:00Z");
    expect(buckets[0].ending_at).toBe("2026-10-26T00:00:00Z");
    // before the history and after yesterday (today is not over): empty buckets, still returned
    expect(buckets[0].results).toEqual([]);
    expect(buckets[buckets.length - 1].results).toEqual([]);
    const rows = buckets.flatMap((b: Json) => b.results);
    expect(rows.length).toBeGreaterThan(100);
    for (const r of rows) {
      expect(r).not.toHaveProperty("cache_creation_input_tokens");
      expect(Object.keys(r.cache_creation).sort()).toEqual(["ephemeral_1h_input_tokens", "ephemeral_5m_input_tokens"]);
      expect(r.account_id).toBeNull(); // not grouped
      expect(r.service_account_id).toBeNull();
      expect(r.inference_geo).toBeNull();
    }
    expect(rows.some((r: Json) => r.workspace_id === null)).toBe(true); // Default Workspace
    expect(rows.some((r: Json) => r.api_key_id === null)).toBe(true); // Console usage
    expect(rows.some((r: Json) => r.service_tier === "batch")).toBe(true);
    expect(rows.some((r: Json) => r.service_tier === "priority" && r.server_tool_use.web_search_requests > 0)).toBe(true);
    expect(rows.some((r: Json) => r.context_window === "200k-1M")).toBe(true);
    // ungrouped: one row per bucket, every dimension null, same totals
    const flat = (await allPages(USAGE, params.slice(0, 2))).flatMap((p) => p.data);
    const sum = (rs: Json[], f: (r: Json) => number) => rs.reduce((s, r) => s + f(r), 0);
    for (let i = 0; i < buckets.length; i++) {
      expect(flat[i].results.length).toBeLessThanOrEqual(1);
      for (const r of flat[i].results) for (const d of ["api_key_id", "workspace_id", "model", "service_tier", "context_window"]) expect(r[d]).toBeNull();
      expect(sum(flat[i].results, (r) => r.cache_creation.ephemeral_5m_input_tokens)).toBe(sum(buckets[i].results, (r: Json) => r.cache_creation.ephemeral_5m_input_tokens));
    }
  });

  it("cost report: decimal-string cents; by description it parses model/token_type; its total equals the ground truth exactly", async () => {
    const params: [string, string][] = [["starting_at", "2026-11-02T00:00:00Z"], ["ending_at", "2026-11-22T00:00:00Z"], ["group_by[]", "workspace_id"], ["group_by[]", "description"], ["limit", "31"]];
    const buckets = (await allPages(COST, params)).flatMap((p) => p.data);
    expect(buckets).toHaveLength(20);
    const rows = buckets.flatMap((b: Json) => b.results);
    for (const r of rows) {
      expect(typeof r.amount).toBe("string");
      expect(r.amount).toMatch(/^\d+(\.\d+)?$/);
      expect(r.currency).toBe("USD");
    }
    const tokenTypes = new Set(rows.filter((r: Json) => r.cost_type === "tokens").map((r: Json) => r.token_type));
    expect([...tokenTypes].sort()).toEqual(["cache_creation.ephemeral_1h_input_tokens", "cache_creation.ephemeral_5m_input_tokens", "cache_read_input_tokens", "output_tokens", "uncached_input_tokens"]);
    const web = rows.filter((r: Json) => r.cost_type === "web_search");
    expect(web.length).toBeGreaterThan(0);
    for (const r of web) expect([r.token_type, r.model]).toEqual([null, null]);
    // code execution: a line of its own with no usage measure; Priority Tier: never in the cost report
    const code = rows.filter((r: Json) => r.cost_type === "code_execution");
    expect(code.length).toBeGreaterThan(0);
    for (const r of code) expect([r.description, r.token_type, r.model, r.service_tier]).toEqual(["Code Execution Usage", null, null, null]);
    expect(rows.some((r: Json) => r.service_tier === "priority")).toBe(false);
    const truth = sim.truth();
    for (const b of buckets) {
      const day = b.starting_at.slice(0, 10);
      const billed = truth.vendorDaily.filter((v) => v.day === day && v.tool !== "cursor").map((v) => v.cents);
      expect(sumCents(b.results.map((r: Json) => r.amount))).toBe(sumCents(billed));
      const ccWs = b.results.filter((r: Json) => r.workspace_id === truth.claudeCodeWorkspaceId).map((r: Json) => r.amount);
      expect(sumCents(ccWs)).toBe(truth.vendorDaily.find((v) => v.day === day && v.tool === "claude_code")!.cents);
    }
    // ungrouped: one row with every parsed field null and the same amount
    const flat = (await c.anthropic(COST, [["starting_at", "2026-11-20T00:00:00Z"], ["ending_at", "2026-11-21T00:00:00Z"]])).body.data[0].results;
    expect(flat).toHaveLength(1);
    expect(flat[0].description).toBeNull();
    expect(flat[0].workspace_id).toBeNull();
    expect(flat[0].amount).toBe(sumCents(buckets.find((b: Json) => b.starting_at.startsWith("2026-11-20")).results.map((r: Json) => r.amount)));
    expect((await c.anthropic(COST, [["starting_at", "2026-11-20T00:00:00Z"], ["group_by[]", "api_key_id"]])).status).toBe(400);
  });

  it("claude code report: one day a call, cursor paging, user and api actors, plan users, remote split, estimated_cost within the workspace cost", async () => {
    expect((await c.anthropic(CC, [["starting_at", "2026-11-20T00:00:00Z"]])).status).toBe(400);
    expect((await c.anthropic(CC, [["starting_at", "2026-11-20"], ["limit", "1001"]])).status).toBe(400);
    const truth = sim.truth();
    const keys = (await c.anthropic("/v1/organizations/api_keys", [["limit", "1000"]])).body.data as Json[];
    const workspaceOf = (name: string) => keys.filter((k) => k.name === name).map((k) => k.workspace_id);
    const seen = { apiActorHere: false, apiActorElsewhere: false, subscription: false, remote: false };
    for (const day of truth.days) {
      const rows = (await allPages(CC, [["starting_at", day], ["limit", "4"]])).flatMap((p) => p.data);
      const once = (await c.anthropic(CC, [["starting_at", day], ["limit", "1000"]])).body.data;
      expect(rows).toEqual(once);
      // billed in the Claude Code workspace: API customers signed in (their per-user keys live there) and API keys
      // of that workspace; plan users and keys of other workspaces are billed elsewhere (reference §1.3, §1.4)
      const billedHere = (r: Json) =>
        r.customer_type === "api" && (r.actor.type === "user_actor" || workspaceOf(r.actor.api_key_name).every((w) => w === truth.claudeCodeWorkspaceId));
      for (const r of rows) {
        expect(r.date).toBe(`${day}T00:00:00Z`);
        expect(["api", "subscription"]).toContain(r.customer_type);
        expect(r.subscription_type).toEqual(r.customer_type === "subscription" ? expect.stringMatching(/^(team|enterprise)$/) : null);
        if (r.actor.type === "api_actor") {
          expect(r.customer_type).toBe("api");
          expect(workspaceOf(r.actor.api_key_name)).toHaveLength(1);
          if (billedHere(r)) seen.apiActorHere = true;
          else seen.apiActorElsewhere = true;
        }
        seen.subscription ||= r.customer_type === "subscription" && r.actor.type === "user_actor";
        seen.remote ||= r.is_remote === true;
        for (const m of r.model_breakdown) expect(Number.isInteger(m.estimated_cost.amount)).toBe(true);
      }
      const est = rows.filter(billedHere).flatMap((r: Json) => r.model_breakdown.map((m: Json) => m.estimated_cost.amount));
      const ws = Number(truth.vendorDaily.find((v) => v.day === day && v.tool === "claude_code")!.cents);
      const total = est.reduce((s: number, x: number) => s + x, 0);
      expect(total).toBeLessThanOrEqual(ws);
      expect(total).toBeGreaterThanOrEqual(ws - est.length); // floor to cents: at most 1 cent off per breakdown
    }
    expect(seen).toEqual({ apiActorHere: true, apiActorElsewhere: true, subscription: true, remote: true });
    const empty = await c.anthropic(CC, [["starting_at", "2020-01-01"]]);
    expect(empty.body).toEqual({ data: [], has_more: false, next_page: null });
  });

  it("list endpoints page with after_id / before_id; workspaces omit the Default Workspace", async () => {
    const all = (await c.anthropic("/v1/organizations/api_keys", [["limit", "1000"]])).body;
    expect(all.has_more).toBe(false);
    const paged: Json[] = [];
    let after: string | null = null;
    for (;;) {
      const r = await c.anthropic("/v1/organizations/api_keys", after ? [["limit", "3"], ["after_id", after]] : [["limit", "3"]]);
      paged.push(...r.body.data);
      expect(r.body.first_id).toBe(r.body.data[0].id);
      expect(r.body.last_id).toBe(r.body.data[r.body.data.length - 1].id);
      if (!r.body.has_more) break;
      after = r.body.last_id;
    }
    expect(paged).toEqual(all.data);
    const before = await c.anthropic("/v1/organizations/api_keys", [["limit", "2"], ["before_id", all.data[3].id]]);
    expect(before.body.data.map((k: Json) => k.id)).toEqual([all.data[1].id, all.data[2].id]);
    expect(all.data.some((k: Json) => k.workspace_id === null)).toBe(true);
    expect(all.data.some((k: Json) => k.principal?.type === "service_account")).toBe(true);
    expect(all.data.some((k: Json) => k.created_by === null)).toBe(true);
    expect((await c.anthropic("/v1/organizations/users", [["limit", "0"]])).status).toBe(400);
    expect((await c.anthropic("/v1/organizations/users", [["limit", "1001"]])).status).toBe(400);
    const users = (await c.anthropic("/v1/organizations/users", [])).body;
    expect(users.data).toHaveLength(20); // default limit
    expect(users.has_more).toBe(true);
    const ws = (await c.anthropic("/v1/organizations/workspaces", [])).body.data;
    expect(ws.map((w: Json) => w.name)).toContain("Claude Code");
    expect(ws.map((w: Json) => w.name)).not.toContain("Default");
    expect(ws.every((w: Json) => w.archived_at === null)).toBe(true);
    const withArchived = (await c.anthropic("/v1/organizations/workspaces", [["include_archived", "true"]])).body.data;
    expect(withArchived.length).toBe(ws.length + 1);
  });
});
