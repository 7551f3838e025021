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

async function fakeGcp() {
  const requests: Captured[] = [];
  const objects = new Map<string, Buffer>();
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url!, "http://x");
    requests.push({ method: req.method!, url: req.url!, body });
    res.setHeader("content-type", "application/json");
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
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
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { requests, objects, endpoint };
}

describe("GCS lake and BigQuery raw tables", () => {
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
