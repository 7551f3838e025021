// A loopback stand-in for the Dataform REST API v1: only the calls the trigger makes.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Scenario {
  compilationErrors?: { path?: string; message: string; actionTarget?: { database: string; schema: string; name: string } }[];
  /** States returned by successive workflowInvocations.get calls; the last one repeats. */
  states: string[];
  actions?: { target: { database: string; schema: string; name: string }; state: string; failureReason?: string }[];
  /** Targets (schema.name) that compiled as assertions. */
  assertions?: string[];
  /** Make compilationResults.create answer with this HTTP error. */
  compileError?: { status: number; message: string };
  /** Commit the compilation resolves to; default abc123. */
  commit?: string;
  /** Calls ("POST compilationResults", "POST workflowInvocations") that fail with 503 this many times first. */
  transientFailures?: Record<string, number>;
  /** workflowInvocations.create creates the invocation and then fails with 503 (a lost answer), this many times. */
  lostInvocationAnswers?: number;
}

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  authorization?: string;
}

export async function startFakeDataform(scenario: Scenario) {
  const calls: Recorded[] = [];
  const invocations: { name: string; compilationResult: string }[] = [];
  const failures = { ...scenario.transientFailures };
  let lost = scenario.lostInvocationAnswers ?? 0;
  let gets = 0;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url!, "http://x");
    const text = Buffer.concat(chunks).toString();
    calls.push({ method: req.method!, path: url.pathname, query: url.searchParams, body: text ? JSON.parse(text) : undefined, authorization: req.headers.authorization });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const p = decodeURIComponent(url.pathname);
    const repo = p.match(/^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/repositories\/[^/:]+)/)?.[1];
    if (!repo) return json(404, { error: { code: 404, message: `unknown path ${p}` } });
    const key = `${req.method} ${p.slice(repo.length + 4)}`;
    if ((failures[key] ?? 0) > 0) {
      failures[key]!--;
      return json(503, { error: { code: 503, message: "The service is currently unavailable." } });
    }
    if (req.method === "POST" && p.endsWith("/compilationResults")) {
      const err = scenario.compileError;
      if (err) return json(err.status, { error: { code: err.status, message: err.message } });
      return json(200, { name: `${repo}/compilationResults/cr1`, resolvedGitCommitSha: scenario.commit ?? "abc123", compilationErrors: scenario.compilationErrors ?? [] });
    }
    if (req.method === "PATCH" && /\/releaseConfigs\/[^/]+$/.test(p)) {
      return json(200, { name: p.slice(4), ...(JSON.parse(text) as object) });
    }
    if (req.method === "GET" && p.endsWith("/compilationResults/cr1:query")) {
      const compiled = (scenario.actions ?? []).map((a) => ({
        target: a.target,
        ...(scenario.assertions?.includes(`${a.target.schema}.${a.target.name}`) ? { assertion: {} } : { relation: {} }),
      }));
      return json(200, { compilationResultActions: compiled });
    }
    if (req.method === "POST" && p.endsWith("/workflowInvocations")) {
      const invocation = { name: `${repo}/workflowInvocations/wi${invocations.length + 1}`, compilationResult: (JSON.parse(text) as { compilationResult: string }).compilationResult };
      invocations.push(invocation);
      if (lost-- > 0) return json(503, { error: { code: 503, message: "Deadline exceeded" } });
      return json(200, { ...invocation, state: "RUNNING" });
    }
    if (req.method === "GET" && p.endsWith("/workflowInvocations")) {
      return json(200, { workflowInvocations: [{ name: `${repo}/workflowInvocations/old`, compilationResult: `${repo}/compilationResults/old` }, ...invocations] });
    }
    const wi = p.match(/\/workflowInvocations\/(wi\d+)(:\w+)?$/);
    if (req.method === "GET" && wi && !wi[2]) {
      const state = scenario.states[Math.min(gets++, scenario.states.length - 1)];
      return json(200, { name: `${repo}/workflowInvocations/${wi[1]}`, state });
    }
    if (req.method === "POST" && wi?.[2] === ":cancel") return json(200, {});
    if (req.method === "GET" && wi?.[2] === ":query") {
      // Two actions a page, to exercise paging.
      const all = scenario.actions ?? [];
      const start = Number(url.searchParams.get("pageToken") ?? 0);
      const next = start + 2 < all.length ? String(start + 2) : undefined;
      const timing = { startTime: "2026-11-22T14:00:00Z", endTime: "2026-11-22T14:00:05Z" };
      const page = all.slice(start, start + 2).map((a) => ({ ...a, invocationTiming: timing }));
      return json(200, { workflowInvocationActions: page, ...(next ? { nextPageToken: next } : {}) });
    }
    json(404, { error: { code: 404, message: `unknown call ${req.method} ${p}` } });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    rootUrl: `http://127.0.0.1:${port}`,
    calls,
    invocations,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
