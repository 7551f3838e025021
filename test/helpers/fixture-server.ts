// A loopback HTTP server answering from a route table, recording every request: for loader tests on small
// fixtures copied from the vendor reference (real HTTP, nothing mocked in the client).
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
  at: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Sent as is (e.g. a truncated JSON text). */
  raw?: string;
}

export type Handler = (req: RecordedRequest, count: number) => Reply | Promise<Reply>;

export interface FixtureServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFixtureServer(routes: Record<string, Handler>): Promise<FixtureServer> {
  const requests: RecordedRequest[] = [];
  const counts = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: text ? JSON.parse(text) : undefined,
      at: Date.now(),
    };
    requests.push(recorded);
    const key = `${recorded.method} ${recorded.path}`;
    const handler = routes[key];
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    const reply: Reply = handler ? await handler(recorded, n) : { status: 404, body: { error: "Not Found", message: key } };
    res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
    res.end(reply.raw ?? JSON.stringify(reply.body ?? {}));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
