import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { HttpClient, HttpError, parseRetryAfter, USER_AGENT, vendorMessage } from "../../loaders/core/http.ts";
import { createLogger } from "../../loaders/core/log.ts";
import { Pacer } from "../../loaders/core/pacer.ts";
import { registerSecret } from "../../loaders/core/redact.ts";
import { captureLines } from "../helpers/config.ts";
import { startFixtureServer, type FixtureServer } from "../helpers/fixture-server.ts";

let server: FixtureServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function client(url: string, opts: { timeScale?: number; key?: string; maxAttempts?: number } = {}) {
  const out = captureLines();
  const http = new HttpClient({
    vendor: "Test",
    baseUrl: url,
    headers: { "x-api-key": opts.key ?? "k" },
    log: createLogger("debug", out),
    timeScale: opts.timeScale ?? 1000,
    maxAttempts: opts.maxAttempts,
  });
  return { http, out, pacer: new Pacer({ perMinute: 1_000_000 }) };
}

describe("HttpClient", () => {
  it("honours Retry-After on 429 in vendor seconds divided by the time scale", async () => {
    server = await startFixtureServer({
      "GET /x": (_req, n) =>
        n === 1
          ? { status: 429, headers: { "retry-after": "2" }, body: { type: "error", error: { type: "rate_limit_error", message: "slow down" } } }
          : { body: { ok: true } },
    });
    const { http, pacer } = client(server.url, { timeScale: 10 }); // 2 s → 200 ms
    const stats = { requests: 0, retries: 0, bytes: 0 };
    const t0 = Date.now();
    await expect(http.get("x", { pacer, stats })).resolves.toEqual({ ok: true });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(stats).toMatchObject({ requests: 2, retries: 1 });
  });

  it("retries both Cursor 429 shapes, 5xx and 529, then succeeds", async () => {
    const replies = [
      { status: 429, body: { error: "Too Many Requests", message: "Rate limit exceeded. Please try again later." } },
      { status: 429, headers: { "retry-after": "60" }, body: { code: "error", message: "Rate limit exceeded" } },
      { status: 500, body: { error: "Internal Server Error", message: "An unexpected error occurred" } },
      { status: 529, body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
      { body: { done: 1 } },
    ];
    server = await startFixtureServer({ "POST /y": (_r, n) => replies[n - 1]! });
    const { http, pacer, out } = client(server.url, { timeScale: 10_000 });
    await expect(http.post("y", { pacer, json: {} })).resolves.toEqual({ done: 1 });
    expect(server.requests).toHaveLength(5);
    expect(out.lines.join("\n")).toContain("Rate limit exceeded");
  });

  it("retries a body cut off mid-JSON", async () => {
    server = await startFixtureServer({
      "GET /t": (_r, n) => (n === 1 ? { raw: '{"data": [1, 2' } : { body: { data: [1, 2] } }),
    });
    const { http, pacer } = client(server.url);
    await expect(http.get("t", { pacer })).resolves.toEqual({ data: [1, 2] });
    expect(server.requests).toHaveLength(2);
  });

  it("fails at once on a 4xx that retrying cannot fix, with the vendor's message", async () => {
    server = await startFixtureServer({
      "GET /z": () => ({ status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "Cannot specify more than 5 group_by[] dimensions." } } }),
    });
    const { http, pacer } = client(server.url);
    const error = await http.get("z", { pacer }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(400);
    expect((error as Error).message).toContain("Cannot specify more than 5 group_by[] dimensions.");
    expect(server.requests).toHaveLength(1);
  });

  it("fails a page whose envelope is not the documented one (a vendor change), without retrying", async () => {
    server = await startFixtureServer({ "GET /list": () => ({ body: { items: [] } }) });
    const { http, pacer } = client(server.url);
    const envelope = z.looseObject({ data: z.array(z.unknown()), has_more: z.boolean() });
    await expect(http.page("get", "list", envelope, { pacer })).rejects.toThrow("Test /list: unexpected response shape: data");
    expect(server.requests).toHaveLength(1);
  });

  it("gives up after maxAttempts on persistent 5xx", async () => {
    server = await startFixtureServer({ "GET /down": () => ({ status: 503, body: { error: { code: 503, message: "unavailable", status: "UNAVAILABLE" } } }) });
    const { http, pacer } = client(server.url, { maxAttempts: 3 });
    await expect(http.get("down", { pacer })).rejects.toThrow(/after 3 attempts: HTTP 503: UNAVAILABLE: unavailable/);
    expect(server.requests).toHaveLength(3);
  });

  it("sends a descriptive User-Agent and never lets a registered secret into errors or logs", async () => {
    const secret = "sk-ant-admin01-FAKE-secret-value-1234567890";
    registerSecret(secret);
    server = await startFixtureServer({
      // A vendor that echoes the key back in its error message.
      "GET /echo": (req) => ({ status: 401, body: { error: "Unauthorized", message: `Invalid API key ${String(req.headers["x-api-key"])}` } }),
    });
    const { http, pacer, out } = client(server.url, { key: secret });
    const error = (await http.get("echo", { pacer }).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain("Invalid API key [REDACTED]");
    expect(error.message).not.toContain(secret);
    expect(out.lines.join("")).not.toContain(secret);
    expect(server.requests[0]!.headers["user-agent"]).toBe(USER_AGENT);
  });

  it("paces requests that share a limit", async () => {
    server = await startFixtureServer({ "GET /p": () => ({ body: {} }) });
    const { http } = client(server.url);
    const pacer = new Pacer({ perMinute: 600 }); // 100 ms apart (+5 % margin)
    // When the client lets each request go: arrival times at the server also carry connection setup, which a busy
    // machine stretches unevenly.
    const released: number[] = [];
    const wait = pacer.wait.bind(pacer);
    pacer.wait = async () => {
      await wait();
      released.push(performance.now());
    };
    await Promise.all([1, 2, 3].map(() => http.get("p", { pacer })));
    expect(server.requests).toHaveLength(3);
    expect(released[1]! - released[0]!).toBeGreaterThanOrEqual(100);
    expect(released[2]! - released[1]!).toBeGreaterThanOrEqual(100);
  });
});

describe("error bodies and Retry-After", () => {
  it("reads all vendors' error shapes", () => {
    expect(vendorMessage('{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}')).toBe("authentication_error: invalid x-api-key");
    expect(vendorMessage('{"error":"Unauthorized","message":"Invalid API key"}')).toBe("Unauthorized: Invalid API key");
    expect(vendorMessage('{"code":"error","message":"Rate limit exceeded"}')).toBe("Rate limit exceeded");
    expect(vendorMessage('{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}')).toBe("RESOURCE_EXHAUSTED: Quota exceeded");
    expect(vendorMessage("<html>bad gateway</html>")).toBe("<html>bad gateway</html>");
  });
  it("parses seconds and HTTP dates", () => {
    expect(parseRetryAfter("60")).toBe(60_000);
    expect(parseRetryAfter(null)).toBeUndefined();
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    expect(parseRetryAfter(inTwoSeconds)).toBeGreaterThan(500);
  });
});
