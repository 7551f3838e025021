import { describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { BigQuery } from "@google-cloud/bigquery";
import { OAuth2Client } from "google-auth-library";
import { parse } from "sql-parser-cst";
import { costVariance, queryDailyCosts } from "../../service/cost-check.ts";

const week = (usd: number[], lastDay = "2026-11-20") =>
  usd.map((v, i) => ({ day: new Date(Date.parse(`${lastDay}T00:00:00Z`) - (usd.length - 1 - i) * 86_400_000).toISOString().slice(0, 10), usd: v }));

describe("costVariance", () => {
  it("compares the day with the average of the 7 days before it", () => {
    const r = costVariance(week([100, 100, 100, 100, 100, 100, 100, 125]), "2026-11-20");
    expect(r).toMatchObject({ costUsd: 125, trailingAverageUsd: 100, variance: 0.25, exceeded: true });
    expect(costVariance(week([100, 100, 100, 100, 100, 100, 100, 119]), "2026-11-20").exceeded).toBe(false);
  });

  it("flags drops as well as spikes", () => {
    expect(costVariance(week([100, 100, 100, 100, 100, 100, 100, 70]), "2026-11-20")).toMatchObject({ variance: -0.3, exceeded: true });
  });

  it("counts days without rows as zero spend", () => {
    const r = costVariance([{ day: "2026-11-19", usd: 70 }, { day: "2026-11-20", usd: 10 }], "2026-11-20");
    expect(r.trailingAverageUsd).toBe(10);
    expect(r).toMatchObject({ variance: 0, exceeded: false });
  });

  it("has no ratio against an all-zero week and flags any new spend", () => {
    expect(costVariance([{ day: "2026-11-20", usd: 5 }], "2026-11-20")).toMatchObject({ variance: null, exceeded: true });
    expect(costVariance([], "2026-11-20")).toMatchObject({ variance: null, exceeded: false });
  });
});

describe("queryDailyCosts (BigQuery client against a loopback fake)", () => {
  it("queries fct_cost_daily for the day and the 7 before it, with a DATE parameter, in valid BigQuery SQL", async () => {
    const requests: { url: string; body: { query: string; queryParameters: unknown[] } }[] = [];
    const server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      requests.push({ url: req.url!, body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          kind: "bigquery#queryResponse",
          jobComplete: true,
          jobReference: { projectId: "p1", jobId: "j1", location: "US" },
          schema: { fields: [{ name: "day", type: "STRING" }, { name: "usd", type: "FLOAT" }] },
          rows: [{ f: [{ v: "2026-11-19" }, { v: "100.25" }] }, { f: [{ v: "2026-11-20" }, { v: "12.5" }] }],
          totalRows: "2",
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: "t", expiry_date: Date.now() + 3_600_000 });
    const bigquery = new BigQuery({ apiEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, projectId: "p1", authClient: auth as never });
    try {
      expect(await queryDailyCosts(bigquery, "p1", "ai_usage", "2026-11-20")).toEqual([
        { day: "2026-11-19", usd: 100.25 },
        { day: "2026-11-20", usd: 12.5 },
      ]);
    } finally {
      server.close();
    }
    const { url, body } = requests[0]!;
    expect(url).toMatch(/^\/bigquery\/v2\/projects\/p1\/(queries|jobs)/);
    expect(body.query).toContain("`p1.ai_usage.fct_cost_daily`");
    expect(body.queryParameters).toEqual([{ name: "day", parameterType: { type: "DATE" }, parameterValue: { value: "2026-11-20" } }]);
    expect(() => parse(body.query, { dialect: "bigquery", paramTypes: ["@name"] })).not.toThrow();
  });
});
