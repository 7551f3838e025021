// The production landing path, gs:// lake + BigQuery raw tables, against loopback fakes of the GCS and BigQuery
// REST APIs through the clients' own apiEndpoint settings (these services cannot run here).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { BigQuery } from "@google-cloud/bigquery";
import { CRC32C, Storage } from "@google-cloud/storage";
import { createHash } from "node:crypto";
import { OAuth2Client } from "google-auth-library";
import { afterEach, describe, expect, it } from "vitest";
import { openLake } from "../../loaders/core/lake.ts";
import { BigQueryWarehouse } from "../../loaders/core/warehouse-bigquery.ts";
import { RAW_COLUMNS } from "../../loaders/core/warehouse.ts";

interface Captured {
  method: string;
  url: string;
  body: Buffer;
}

let server: Server | undefined;

function crc32c(data: Buffer): string {
  const crc = new CRC32C();
  crc.update(data);
  return crc.toString();
}
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function fakeGcp(failFirstChunk = false) {
  const requests: Captured[] = [];
  const objects = new Map<string, Buffer>();
  const sessions = new Map<string, { key: string; bucket: string; name: string; data: Buffer; failNext: boolean }>();
  let endpoint = "";
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url!, "http://x");
    requests.push({ method: req.method!, url: req.url!, body });
    res.setHeader("content-type", "application/json");
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    // Resumable uploads: a session, then PUTs of byte ranges; the first PUT of each session fails once with 503.
    if (upload && req.method === "POST" && url.searchParams.get("uploadType") === "resumable") {
      const name = url.searchParams.get("name") ?? (JSON.parse(body.toString() || "{}") as { name?: string }).name!;
      const key = `${upload[1]}/${name}`;
      if (url.searchParams.get("ifGenerationMatch") === "0" && objects.has(key)) {
        res.statusCode = 412;
        res.end(JSON.stringify({ error: { code: 412, message: "At least one of the pre-conditions you specified did not hold." } }));
        return;
      }
      const id = `s${sessions.size + 1}`;
      sessions.set(id, { key, bucket: upload[1]!, name, data: Buffer.alloc(0), failNext: failFirstChunk });
      res.setHeader("location", `${endpoint}/upload/storage/v1/b/${upload[1]}/o?uploadType=resumable&upload_id=${id}`);
      res.end("{}");
      return;
    }
    const session = url.searchParams.get("upload_id");
    if (upload && req.method === "PUT" && session) {
      const s = sessions.get(session)!;
      const range = /bytes (\*|(\d+)-(\d+))\/(\*|\d+)/.exec(String(req.headers["content-range"]))!;
      if (s.failNext && body.length > 0) {
        s.failNext = false;
        res.statusCode = 503;
        res.end(JSON.stringify({ error: { code: 503, message: "Backend Error" } }));
        return;
      }
      if (range[2] !== undefined) s.data = Buffer.concat([s.data.subarray(0, Number(range[2])), body]);
      if (range[4] === "*" || s.data.length < Number(range[4])) {
        res.statusCode = 308;
        if (s.data.length > 0) res.setHeader("range", `bytes=0-${s.data.length - 1}`);
        res.end();
        return;
      }
      objects.set(s.key, s.data);
      const md5Hash = createHash("md5").update(s.data).digest("base64");
      res.end(JSON.stringify({ bucket: s.bucket, name: s.name, generation: "1", size: String(s.data.length), md5Hash, crc32c: crc32c(s.data) }));
      return;
    }
    if (upload && req.method === "POST") {
      // multipart/related: JSON metadata part, then the media part.
      const boundary = /boundary=([^;]+)/.exec(req.headers["content-type"]!)![1]!.replace(/"/g, "");
      const parts = body.toString("latin1").split(`--${boundary}`).slice(1, -1);
      const meta = JSON.parse(parts[0]!.split("\r\n\r\n")[1]!);
      const media = Buffer.from(parts[1]!.split("\r\n\r\n").slice(1).join("\r\n\r\n").replace(/\r\n$/, ""), "latin1");
      const name = meta.name ?? url.searchParams.get("name");
      objects.set(`${upload[1]}/${name}`, media);
      // The client checks the stored object's hashes against what it sent.
      const md5Hash = createHash("md5").update(media).digest("base64");
      res.end(JSON.stringify({ bucket: upload[1], name, generation: "1", size: String(media.length), md5Hash, crc32c: crc32c(media) }));
      return;
    }
    const tables = /^\/bigquery\/v2\/projects\/[^/]+\/datasets\/[^/]+\/tables(?:\/([^/]+))?$/.exec(url.pathname);
    if (tables && req.method === "GET") {
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { code: 404, message: `Not found: Table ${tables[1]}`, status: "NOT_FOUND" } }));
      return;
    }
    if (tables && req.method === "POST") {
      res.end(body.toString());
      return;
    }
    const jobs = /^\/bigquery\/v2\/projects\/([^/]+)\/jobs(?:\/([^/]+))?$/.exec(url.pathname);
    if (jobs) {
      const config = req.method === "POST" ? JSON.parse(body.toString()) : {};
      res.end(JSON.stringify({ ...config, jobReference: { projectId: jobs[1], jobId: jobs[2] ?? config.jobReference?.jobId ?? "job_1", location: "US" }, status: { state: "DONE" } }));
      return;
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ error: { code: 404, message: `fake: ${req.method} ${url.pathname}` } }));
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { requests, objects, endpoint };
}

describe("GCS lake and BigQuery raw tables", () => {
  it("uploads create-only (ifGenerationMatch=0), resends a chunk that failed, and never overwrites an object", async () => {
    const fake = await fakeGcp(true);
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: "fake-token", expiry_date: Date.now() + 3_600_000 });
    const storage = new Storage({ apiEndpoint: fake.endpoint, projectId: "proj-test", authClient: authClient as never, retryOptions: { retryDelayMultiplier: 1, totalTimeout: 30, maxRetryDelay: 2 } });
    const lake = await openLake("gs://lake-bucket/ai-usage", { storage: async () => storage });
    const key = "raw/cursor/usage_events/dt=2026-11-21/run2.jsonl.gz";
    const writer = lake.openNdjson(key);
    for (let i = 0; i < 3; i++) await writer.write({ i, padding: "x".repeat(100) });
    await writer.close();
    const session = fake.requests.find((r) => r.method === "POST" && r.url.includes("uploadType=resumable"))!;
    expect(new URL(session.url, "http://x").searchParams.get("ifGenerationMatch")).toBe("0");
    expect(fake.requests.filter((r) => r.method === "PUT" && r.body.length > 0).length).toBe(2); // failed once, resent
    const lines = gunzipSync(fake.objects.get(`lake-bucket/ai-usage/${key}`)!).toString().trim().split("\n");
    expect(lines.map((l) => JSON.parse(l).i)).toEqual([0, 1, 2]);

    const again = lake.openNdjson(key);
    await again.write({ i: 9 });
    await expect(again.close()).rejects.toThrow(/pre-conditions|412/);
    expect(gunzipSync(fake.objects.get(`lake-bucket/ai-usage/${key}`)!).toString()).toContain('"i":2');
  });

  it("writes gzip NDJSON objects under the prefix and appends them with a load job (not streaming inserts)", async () => {
    const fake = await fakeGcp();
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: "fake-token", expiry_date: Date.now() + 3_600_000 });
    const storage = new Storage({ apiEndpoint: fake.endpoint, projectId: "proj-test", authClient: authClient as never });
    const lake = await openLake("gs://lake-bucket/ai-usage", { storage: async () => storage });
    const writer = lake.openNdjson("raw/cursor/members/dt=2026-11-21/run1.jsonl.gz");
    const row = { run_id: "run1", fetched_at: "2026-11-22T06:00:00.000Z", window_date: "2026-11-21", window_start: "2026-11-21T00:00:00.000Z", window_end: "2026-11-22T00:00:00.000Z", lake_uri: "x", record: { email: "a@x.com" } };
    await writer.write(row);
    const object = await writer.close();
    expect(object.uri).toBe("gs://lake-bucket/ai-usage/raw/cursor/members/dt=2026-11-21/run1.jsonl.gz");
    const stored = fake.objects.get("lake-bucket/ai-usage/raw/cursor/members/dt=2026-11-21/run1.jsonl.gz")!;
    expect(JSON.parse(gunzipSync(stored).toString())).toEqual(row);

    // BigQuery bundles its own google-auth-library major; the token client is the same shape.
    const bigquery = new BigQuery({ apiEndpoint: fake.endpoint, projectId: "proj-test", authClient: authClient as never });
    const warehouse = new BigQueryWarehouse({ projectId: "proj-test", dataset: "ai_usage_raw", client: bigquery, storage });
    await warehouse.append("raw_cursor_members", RAW_COLUMNS, [object]);
    const jobRequest = fake.requests.find((r) => r.method === "POST" && r.url.startsWith("/bigquery/v2/projects/proj-test/jobs"))!;
    const load = JSON.parse(jobRequest.body.toString()).configuration.load;
    expect(load).toMatchObject({
      sourceUris: [object.uri],
      sourceFormat: "NEWLINE_DELIMITED_JSON",
      writeDisposition: "WRITE_APPEND",
      createDisposition: "CREATE_IF_NEEDED",
      destinationTable: { projectId: "proj-test", datasetId: "ai_usage_raw", tableId: "raw_cursor_members" },
      timePartitioning: { type: "DAY", field: "window_date" },
    });
    expect(load.schema.fields.map((f: { name: string; type: string }) => `${f.name}:${f.type}`)).toEqual(RAW_COLUMNS.map(([n, t]) => `${n}:${t}`));
    expect(fake.requests.some((r) => r.url.includes("insertAll"))).toBe(false);

    // Every raw table exists from the first run, partitioned by window_date, even before it has rows.
    await warehouse.ensureTable("raw_cursor_spend", RAW_COLUMNS);
    const create = fake.requests.find((r) => r.method === "POST" && r.url.startsWith("/bigquery/v2/projects/proj-test/datasets/ai_usage_raw/tables"))!;
    expect(JSON.parse(create.body.toString())).toMatchObject({
      tableReference: { tableId: "raw_cursor_spend" },
      timePartitioning: { type: "DAY", field: "window_date" },
      schema: { fields: expect.arrayContaining([{ name: "record", type: "JSON", mode: "NULLABLE" }]) },
    });
  });
});
