// A loopback stand-in for the Dataform REST API v1beta1: only the calls the trigger makes.
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
    const repo = p.match(/^\/v1beta1\/(projects\/[^/]+\/locations\/[^/]+\/repositories\/[^/:]+)/)?.[1];
    if (!repo) return json(404, { error: { code: 404, message: `unknown path ${p}` } });
    if (req.method === "POST" && p.endsWith("/compilationResults")) {
      const err = scenario.compileError;
      if (err) return json(err.status, { error: { code: err.status, message: err.message } });
      return json(200, { name: `${repo}/compilationResults/cr1`, resolvedGitCommitSha: "abc123", compilationErrors: scenario.compilationErrors ?? [] });
    }
    if (req.method === "GET" && p.endsWith("/compilationResults/cr1:query")) {
      const compiled = (scenario.actions ?? []).map((a) => ({
        target: a.target,
        ...(scenario.assertions?.includes(`${a.target.schema}.${a.target.name}`) ? { assertion: {} } : { relation: {} }),
      }));
      return json(200, { compilationResultActions: compiled });
    }
    if (req.method === "POST" && p.endsWith("/workflowInvocations")) {
      return json(200, { name: `${repo}/workflowInvocations/wi1`, state: "RUNNING" });
    }
    if (req.method === "GET" && p.endsWith("/workflowInvocations/wi1")) {
      const state = scenario.states[Math.min(gets++, scenario.states.length - 1)];
      return json(200, { name: `${repo}/workflowInvocations/wi1`, state });
    }
    if (req.method === "POST" && p.endsWith("/workflowInvocations/wi1:cancel")) return json(200, {});
    if (req.method === "GET" && p.endsWith("/workflowInvocations/wi1:query")) {
      // Two actions a page, to exercise paging.
      const all = scenario.actions ?? [];
      const start = Number(url.searchParams.get("pageToken") ?? 0);
      const next = start + 2 < all.length ? String(start + 2) : undefined;
      return json(200, { workflowInvocationActions: all.slice(start, start + 2), ...(next ? { nextPageToken: next } : {}) });
    }
    json(404, { error: { code: 404, message: `unknown call ${req.method} ${p}` } });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    rootUrl: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
