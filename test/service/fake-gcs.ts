// A loopback stand-in for the GCS JSON API: multipart upload with ifGenerationMatch, metadata get, download,
// conditional delete.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHash } from "node:crypto";

interface StoredObject {
  generation: number;
  updated: string;
  body: string;
  metadata: Record<string, string>;
}

export async function startFakeGcs() {
  const objects = new Map<string, StoredObject>();
  let generation = 1000;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url!, "http://x");
    const json = (status: number, body?: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(body === undefined ? "" : JSON.stringify(body));
    };
    const error = (status: number, message: string) => json(status, { error: { code: status, message, errors: [{ message }] } });
    const resource = (bucket: string, name: string, o: StoredObject) => ({
      kind: "storage#object", bucket, name, generation: String(o.generation), metageneration: "1", updated: o.updated, size: String(o.body.length), metadata: o.metadata,
      md5Hash: createHash("md5").update(o.body).digest("base64"),
      crc32c: crc32c(Buffer.from(o.body)),
    });
    const ifGen = url.searchParams.get("ifGenerationMatch");

    const upload = url.pathname.match(/^\/upload\/storage\/v1\/b\/([^/]+)\/o$/);
    if (req.method === "POST" && upload) {
      // multipart/related: part 1 JSON metadata, part 2 the content.
      const boundary = /boundary=("?)([^";]+)\1/.exec(req.headers["content-type"] ?? "")?.[2];
      const parts = Buffer.concat(chunks).toString().split(`--${boundary}`).slice(1, -1);
      const bodies = parts.map((p) => p.slice(p.indexOf("\r\n\r\n") + 4).replace(/\r\n$/, ""));
      const meta = JSON.parse(bodies[0] ?? "{}") as { name?: string; metadata?: Record<string, string> };
      const name = url.searchParams.get("name") ?? meta.name!;
      const key = `${upload[1]}/${name}`;
      const existing = objects.get(key);
      if (ifGen !== null && String(existing?.generation ?? 0) !== ifGen) return error(412, "At least one of the pre-conditions you specified did not hold.");
      const o = { generation: ++generation, updated: new Date().toISOString(), body: bodies[1] ?? "", metadata: meta.metadata ?? {} };
      objects.set(key, o);
      return json(200, resource(upload[1]!, name, o));
    }
    // The client drops the /storage/v1 prefix when configured through STORAGE_EMULATOR_HOST.
    const obj = url.pathname.match(/^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/(.+)$/);
    if (obj) {
      const name = decodeURIComponent(obj[2]!);
      const key = `${obj[1]}/${name}`;
      const o = objects.get(key);
      if (!o) return error(404, `No such object: ${key}`);
      if (req.method === "GET" && url.searchParams.get("alt") === "media") {
        const r = resource(obj[1]!, name, o);
        res.writeHead(200, { "content-type": "application/octet-stream", "x-goog-hash": `crc32c=${r.crc32c},md5=${r.md5Hash}`, "x-goog-generation": String(o.generation) });
        return res.end(o.body);
      }
      if (req.method === "GET") return json(200, resource(obj[1]!, name, o));
      if (req.method === "DELETE") {
        if (ifGen !== null && String(o.generation) !== ifGen) return error(412, "At least one of the pre-conditions you specified did not hold.");
        objects.delete(key);
        return json(204);
      }
    }
    error(400, `fake GCS does not handle ${req.method} ${url.pathname}`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    apiEndpoint: `http://127.0.0.1:${port}`,
    objects,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// CRC32C (Castagnoli), big-endian base64 as GCS reports it; the client verifies uploads against it.
function crc32c(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString("base64");
}
