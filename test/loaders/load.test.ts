// runLoad end to end on small reference fixtures: lake objects, raw tables in DuckDB, quarantine, manifests,
// failure isolation, dry runs, chunking of backfills, secrets.
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger, runLoad, type Config } from "../../loaders/index.ts";
import { openLake, type Lake } from "../../loaders/core/lake.ts";
import { LOAD_RUN_COLUMNS } from "../../loaders/core/warehouse.ts";
import { DuckDBInstance } from "@duckdb/node-api";
import { captureLines, tempDir, testConfig } from "../helpers/config.ts";
import { query } from "../helpers/duckdb.ts";
import { startFixtureServer, type FixtureServer } from "../helpers/fixture-server.ts";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8"));
const NOW = () => new Date("2025-08-10T06:00:00Z");

let servers: FixtureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** A small Anthropic organization from the reference examples, one invalid cost row among them. */
async function anthropicServer() {
  const cost = fixture("anthropic-cost");
  const bad = { ...cost.data[0].results[0], amount: "n/a", description: "broken line" };
  const s = await startFixtureServer({
    "GET /v1/organizations/usage_report/messages": (req) => {
      const start = req.query.get("starting_at")!.slice(0, 10);
      return { body: { data: [{ ...fixture("anthropic-usage").data[0], starting_at: `${start}T00:00:00Z` }], has_more: false, next_page: null } };
    },
    "GET /v1/organizations/cost_report": () => ({ body: { data: [{ ...cost.data[0], results: [cost.data[0].results[0], bad] }], has_more: false, next_page: null } }),
    "GET /v1/organizations/usage_report/claude_code": (req) => {
      const row = fixture("anthropic-claude-code").data[0];
      return { body: { data: [{ ...row, date: `${req.query.get("starting_at")}T00:00:00Z` }], has_more: false, next_page: null } };
    },
    "GET /v1/organizations/api_keys": () => ({ body: { data: [{ id: "apikey_01Rj", name: "prod", workspace_id: null }], has_more: false, first_id: null, last_id: null } }),
    "GET /v1/organizations/workspaces": () => ({ body: { data: [{ id: "wrkspc_01Jw", name: "Claude Code" }], has_more: false, first_id: null, last_id: null } }),
    "GET /v1/organizations/users": () => ({ body: { data: [{ id: "user_01WC", email: "user@company.com" }], has_more: false, first_id: null, last_id: null } }),
  });
  servers.push(s);
  return s;
}

function withAnthropic(config: Config, url: string, key = "sk-ant-admin01-test-key-abcdef"): Config {
  return { ...config, anthropic: { adminKey: key, baseUrl: url } };
}

const rawSchema = "ai_usage_dev_raw";

describe("runLoad", () => {
  it("lands every record in the lake and the raw table, invalid ones in quarantine with the reason, and a manifest", async () => {
    const dir = tempDir();
    const s = await anthropicServer();
    const config = withAnthropic(testConfig(dir), s.url);
    const summary = await runLoad(config, { mode: "development", start: "2025-08-01", end: "2025-08-02" }, { now: NOW });
    expect(summary.ok).toBe(true);
    const cost = summary.streams.find((x) => x.stream === "cost_report")!;
    expect(cost).toMatchObject({ status: "succeeded", records: 1, quarantined: 1 });

    const wh = path.join(dir, "warehouse.duckdb");
    const rows = await query(wh, `SELECT run_id, window_date::VARCHAR d, record->>'amount' amount, lake_uri FROM ${rawSchema}.raw_anthropic_cost_report`);
    expect(rows).toEqual([{ run_id: summary.runId, d: "2025-08-01", amount: "123.78912", lake_uri: expect.stringContaining(`raw/anthropic/cost_report/dt=2025-08-01/${summary.runId}.jsonl.gz`) }]);
    const q = await query(wh, `SELECT stream, reason, record->>'description' d FROM ${rawSchema}.raw_quarantine`);
    expect(q).toEqual([{ stream: "cost_report", reason: "amount: amount must be a decimal string of cents", d: "broken line" }]);

    // The lake object holds exactly the raw table's rows.
    const lakeFile = new URL(rows[0]!.lake_uri as string).pathname;
    const lines = gunzipSync(readFileSync(lakeFile)).toString().trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0].record.amount).toBe("123.78912");

    // Claude Code: one request per day of the range.
    expect(s.requests.filter((r) => r.path.endsWith("/claude_code")).map((r) => r.query.get("starting_at")).sort()).toEqual(["2025-08-01", "2025-08-02"]); // the next day is read ahead, so either may arrive first
    const runs = await query(wh, `SELECT stream, status, records, quarantined FROM ${rawSchema}.raw_load_runs ORDER BY stream`);
    expect(runs).toHaveLength(6);
    expect(runs.find((r) => r.stream === "cost_report")).toMatchObject({ status: "succeeded", records: "1", quarantined: "1" });
    expect(readdirSync(path.join(dir, "lake", "manifests", "dt=2025-08-10"))).toEqual([`${summary.runId}.jsonl.gz`]);
  });

  it("a failing source leaves the other sources landed and the run not ok; the key never reaches the log", async () => {
    const dir = tempDir();
    const s = await anthropicServer();
    const cursorKey = "key_0123456789abcdef0123456789abcdef";
    const cursor = await startFixtureServer({
      "GET /teams/members": (req) => ({ status: 401, body: { error: "Unauthorized", message: `Invalid API key ${req.headers.authorization}` } }),
      "POST /teams/daily-usage-data": () => ({ status: 401, body: { error: "Unauthorized", message: "Invalid API key" } }),
      "POST /teams/filtered-usage-events": () => ({ status: 401, body: { error: "Unauthorized", message: "Invalid API key" } }),
      "POST /teams/spend": () => ({ status: 401, body: { error: "Unauthorized", message: "Invalid API key" } }),
    });
    servers.push(cursor);
    const { registerSecret } = await import("../../loaders/index.ts");
    registerSecret(cursorKey);
    const out = captureLines();
    const config = { ...withAnthropic(testConfig(dir), s.url), cursor: { apiKey: cursorKey, baseUrl: cursor.url } };
    const summary = await runLoad(config, { mode: "development", days: 1 }, { now: NOW, log: createLogger("debug", out) });
    expect(summary.ok).toBe(false);
    expect(summary.streams.filter((x) => x.status === "failed").map((x) => x.stream).sort()).toEqual(["daily_usage", "members", "spend", "usage_events"]);
    expect(summary.streams.find((x) => x.stream === "members")!.error).toContain("HTTP 401: Unauthorized: Invalid API key");
    const landed = await query(path.join(dir, "warehouse.duckdb"), `SELECT count(*)::INT n FROM ${rawSchema}.raw_anthropic_usage_messages`);
    expect(landed).toEqual([{ n: 1 }]);
    const all = out.lines.join("") + JSON.stringify(summary);
    expect(all).not.toContain(cursorKey);
    expect(all).not.toContain(Buffer.from(`${cursorKey}:`).toString("base64"));
    expect(all).toContain("[REDACTED]");
  });

  it("records each lake object's size and SHA-256 in the manifest, and loads nothing of an object that changed after it was written", async () => {
    const dir = tempDir();
    const s = await anthropicServer();
    const config = withAnthropic(testConfig(dir), s.url);
    // The real file lake; a cost report object is damaged on disk between its write and the load.
    const lake = await openLake(config.lakeUri);
    const damaging: Lake = {
      ...lake,
      uri: lake.uri,
      stat: (key) => lake.stat(key),
      list: (prefix) => lake.list(prefix),
      read: (key) => lake.read(key),
      openNdjson(key) {
        const writer = lake.openNdjson(key);
        return {
          ...writer,
          async close() {
            const object = await writer.close();
            if (key.startsWith("raw/anthropic/cost_report/")) appendFileSync(object.localPath!, "tampered");
            return object;
          },
        };
      },
    };
    const summary = await runLoad(config, { mode: "development", start: "2025-08-01", end: "2025-08-01" }, { now: NOW, lake: damaging });
    const cost = summary.streams.find((x) => x.stream === "cost_report")!;
    expect(cost.status).toBe("failed");
    expect(cost.error).toMatch(/^lake object file:\/\/.*raw\/anthropic\/cost_report\/dt=2025-08-01\/.*\.jsonl\.gz changed after it was written \(now \d+ bytes, sha256 [0-9a-f]{12}…; written \d+ bytes, sha256 [0-9a-f]{12}…\); it was not loaded: run npm run verify/);
    const wh = path.join(dir, "warehouse.duckdb");
    expect(await query(wh, `SELECT COUNT(*)::INTEGER n FROM ${rawSchema}.raw_anthropic_cost_report`)).toEqual([{ n: 0 }]);
    expect(await query(wh, `SELECT COUNT(*)::INTEGER n FROM ${rawSchema}.raw_quarantine`)).toEqual([{ n: 0 }]);

    // The manifest: every loaded object with the size and SHA-256 of its bytes as stored; none for the failed stream.
    const manifest = gunzipSync(readFileSync(path.join(dir, "lake", "manifests", "dt=2025-08-10", `${summary.runId}.jsonl.gz`))).toString().trim().split("\n").map((l) => JSON.parse(l));
    const usage = manifest.find((l) => l.stream === "usage_messages");
    expect(usage.objects).toHaveLength(1);
    const file = new URL(usage.objects[0].uri).pathname;
    expect(usage.objects[0]).toEqual({ uri: `file://${file}`, lines: 1, bytes: statSync(file).size, sha256: createHash("sha256").update(readFileSync(file)).digest("hex") });
    expect(manifest.find((l) => l.stream === "cost_report").objects).toEqual([]);
    const runs = await query(wh, `SELECT stream, objects->>'$[0].sha256' AS sha256 FROM ${rawSchema}.raw_load_runs WHERE stream = 'usage_messages'`);
    expect(runs).toEqual([{ stream: "usage_messages", sha256: usage.objects[0].sha256 }]);
  });

  it("adds a column the contract gained (raw_load_runs.objects) to a warehouse created before it", async () => {
    const dir = tempDir();
    const wh = path.join(dir, "warehouse.duckdb");
    const instance = await DuckDBInstance.create(wh);
    const conn = await instance.connect();
    await conn.run(`CREATE SCHEMA ${rawSchema}`);
    const before = LOAD_RUN_COLUMNS.filter(([name]) => name !== "objects").map(([name, type]) => `${name} ${type === "STRING" ? "VARCHAR" : type === "INT64" ? "BIGINT" : type}`);
    await conn.run(`CREATE TABLE ${rawSchema}.raw_load_runs (${before.join(", ")})`);
    await conn.run(`INSERT INTO ${rawSchema}.raw_load_runs (run_id, source, stream, status) VALUES ('20250101T000000Z-000000', 'cursor', 'members', 'succeeded')`);
    conn.closeSync();
    instance.closeSync();
    const s = await anthropicServer();
    const summary = await runLoad(withAnthropic(testConfig(dir), s.url), { mode: "development", days: 1, streams: ["api_keys"] }, { now: NOW });
    expect(summary.ok).toBe(true);
    const rows = await query(wh, `SELECT run_id, json_array_length(objects)::INTEGER AS n FROM ${rawSchema}.raw_load_runs ORDER BY run_id`);
    expect(rows).toEqual([{ run_id: "20250101T000000Z-000000", n: null }, { run_id: summary.runId, n: 1 }]);
  });

  it("dry_run fetches and validates but writes nothing", async () => {
    const dir = tempDir();
    const s = await anthropicServer();
    const summary = await runLoad(withAnthropic(testConfig(dir), s.url), { mode: "dry_run", days: 1 }, { now: NOW });
    expect(summary.streams.find((x) => x.stream === "cost_report")).toMatchObject({ records: 1, quarantined: 1 });
    expect(s.requests.length).toBeGreaterThan(0);
    expect(existsSync(path.join(dir, "lake"))).toBe(false);
    expect(existsSync(path.join(dir, "warehouse.duckdb"))).toBe(false);
  });

  it("a window that fails half-way lands nothing of that window, and keeps earlier windows", async () => {
    const dir = tempDir();
    const s = await startFixtureServer({
      "GET /v1/organizations/usage_report/claude_code": (req) => {
        const day = req.query.get("starting_at")!;
        if (day === "2025-08-02" && req.query.get("page")) return { status: 404, body: { type: "error", error: { type: "not_found_error", message: "page expired" } } };
        const row = { ...fixture("anthropic-claude-code").data[0], date: `${day}T00:00:00Z` };
        return { body: { data: [row], has_more: day === "2025-08-02", next_page: "p2" } };
      },
    });
    servers.push(s);
    const summary = await runLoad(withAnthropic(testConfig(dir), s.url), { mode: "development", start: "2025-08-01", end: "2025-08-03", streams: ["claude_code"] }, { now: NOW });
    const cc = summary.streams[0]!;
    expect(cc.status).toBe("failed");
    expect(cc.windows).toEqual(["2025-08-01"]);
    const rows = await query(path.join(dir, "warehouse.duckdb"), `SELECT window_date::VARCHAR d FROM ${rawSchema}.raw_anthropic_claude_code`);
    expect(rows).toEqual([{ d: "2025-08-01" }]);
    const dt2 = path.join(dir, "lake", "raw", "anthropic", "claude_code", "dt=2025-08-02");
    expect(existsSync(dt2) ? readdirSync(dt2) : []).toEqual([]);
  });

  it("backfills chunk at each API's limit: Cursor daily usage 30 days, Anthropic reports 31 buckets, events one day", async () => {
    const dir = tempDir();
    const cursor = await startFixtureServer({
      "POST /teams/daily-usage-data": () => ({ body: { data: [], pagination: { hasNextPage: false } } }),
      "POST /teams/filtered-usage-events": () => ({ body: { usageEvents: [], pagination: { hasNextPage: false } } }),
    });
    const s = await anthropicServer();
    servers.push(cursor);
    const config = { ...withAnthropic(testConfig(dir), s.url), cursor: { apiKey: "key_abcdef123", baseUrl: cursor.url } };
    const summary = await runLoad(config, { mode: "dry_run", start: "2025-06-01", end: "2025-07-15", streams: ["daily_usage", "usage_events", "cost_report"] }, { now: NOW });
    expect(summary.ok).toBe(true);
    const spans = cursor.requests
      .filter((r) => r.path === "/teams/daily-usage-data")
      .map((r) => (r.body as { startDate: number; endDate: number }))
      .map((b) => [new Date(b.startDate).toISOString(), new Date(b.endDate).toISOString()]);
    expect(spans).toEqual([
      ["2025-06-01T00:00:00.000Z", "2025-06-30T23:59:59.999Z"],
      ["2025-07-01T00:00:00.000Z", "2025-07-15T23:59:59.999Z"],
    ]);
    expect(cursor.requests.filter((r) => r.path === "/teams/filtered-usage-events")).toHaveLength(45);
    const costWindows = s.requests.filter((r) => r.path.endsWith("/cost_report")).map((r) => [r.query.get("starting_at"), r.query.get("ending_at")]);
    expect(costWindows).toEqual([
      ["2025-06-01T00:00:00Z", "2025-07-02T00:00:00Z"],
      ["2025-07-02T00:00:00Z", "2025-07-16T00:00:00Z"],
    ]);
  });

  it("rejects bad options before any call", async () => {
    const s = await anthropicServer();
    const config = withAnthropic(testConfig(tempDir()), s.url);
    await expect(runLoad(config, { mode: "development", start: "2025-13-01" }, { now: NOW })).rejects.toThrow("start 2025-13-01: expected a real date YYYY-MM-DD");
    await expect(runLoad(config, { mode: "development", end: "2025-09-01" }, { now: NOW })).rejects.toThrow(/is in the future/);
    await expect(runLoad(config, { mode: "development", start: "2025-08-05", end: "2025-08-01" }, { now: NOW })).rejects.toThrow(/start 2025-08-05 is after end 2025-08-01/);
    await expect(runLoad(config, { mode: "development", streams: ["usage"] }, { now: NOW })).rejects.toThrow(/unknown stream; valid: cursor.members/);
    await expect(runLoad(config, { mode: "fast" as never }, { now: NOW })).rejects.toThrow(/--mode fast/);
    expect(s.requests).toHaveLength(0);
  });
});
