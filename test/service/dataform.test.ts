import { afterEach, describe, expect, it } from "vitest";
import { OAuth2Client } from "google-auth-library";
import { triggerDataform, DataformApiError, type DataformTarget } from "../../service/dataform.ts";
import { startFakeDataform, type Scenario } from "./fake-dataform.ts";

const target: DataformTarget = { project: "p1", region: "us-central1", repository: "ai-usage", releaseConfig: "production" };
const parent = "/v1/projects/p1/locations/us-central1/repositories/ai-usage";
const t = (schema: string, name: string) => ({ database: "p1", schema, name });

// The real google-auth-library client path, with a token that needs no metadata server.
function auth() {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: "test-token", expiry_date: Date.now() + 3_600_000 });
  return client;
}

let fake: Awaited<ReturnType<typeof startFakeDataform>> | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function run(scenario: Scenario, extra: { timeoutMs?: number; pollMs?: number; fullRefresh?: boolean; expectedCommit?: string } = {}) {
  fake = await startFakeDataform(scenario);
  return triggerDataform(target, { rootUrl: fake.rootUrl, auth: auth(), pollMs: 5, timeoutMs: 5_000, tag: "daily", retryDelaysMs: [1, 1, 1], ...extra });
}

describe("triggerDataform against a loopback Dataform API", () => {
  it("compiles the release config, invokes the daily tag with dependencies and reports success", async () => {
    const result = await run({
      states: ["RUNNING", "RUNNING", "SUCCEEDED"],
      actions: [
        { target: t("ai_usage", "stg_cursor_members"), state: "SUCCEEDED" },
        { target: t("ai_usage", "fct_cost_daily"), state: "SUCCEEDED" },
        { target: t("ai_usage_assertions", "assert_cost_sums"), state: "SUCCEEDED" },
      ],
    });
    expect(result).toMatchObject({ ok: true, state: "SUCCEEDED", gitCommitSha: "abc123", failedActions: [], actionCounts: { SUCCEEDED: 3 } });
    const [compile, invoke] = fake!.calls;
    expect(compile).toMatchObject({ method: "POST", path: `${parent}/compilationResults`, body: { releaseConfig: `${parent.slice(4)}/releaseConfigs/production` }, authorization: "Bearer test-token" });
    expect(invoke).toMatchObject({
      method: "POST",
      path: `${parent}/workflowInvocations`,
      body: { compilationResult: `${parent.slice(4)}/compilationResults/cr1`, invocationConfig: { includedTags: ["daily"], transitiveDependenciesIncluded: true, fullyRefreshIncrementalTablesEnabled: false } },
    });
    expect(fake!.calls.filter((c) => c.path.endsWith("/wi1")).length).toBe(3);
    expect(fake!.calls.filter((c) => c.path.endsWith("wi1:query")).length).toBe(2); // 3 actions, 2 a page
    expect(result.actions).toEqual([
      { target: "p1.ai_usage.stg_cursor_members", kind: "action", state: "SUCCEEDED", durationMs: 5000 },
      { target: "p1.ai_usage.fct_cost_daily", kind: "action", state: "SUCCEEDED", durationMs: 5000 },
      { target: "p1.ai_usage_assertions.assert_cost_sums", kind: "action", state: "SUCCEEDED", durationMs: 5000 },
    ]);
  });

  it("asks for a full refresh of incremental tables when told to", async () => {
    await run({ states: ["SUCCEEDED"] }, { fullRefresh: true });
    expect(fake!.calls.find((c) => c.method === "POST" && c.path.endsWith("/workflowInvocations"))?.body).toMatchObject({ invocationConfig: { fullyRefreshIncrementalTablesEnabled: true } });
  });

  it("retries create calls on transient errors, and never starts a second invocation when an answer was lost", async () => {
    const result = await run({ states: ["SUCCEEDED"], transientFailures: { "POST /compilationResults": 2 }, lostInvocationAnswers: 1 });
    expect(result.state).toBe("SUCCEEDED");
    expect(fake!.calls.filter((c) => c.method === "POST" && c.path.endsWith("/compilationResults"))).toHaveLength(3);
    expect(fake!.invocations).toHaveLength(1); // the retry found the invocation the lost answer had created
    expect(result.workflowInvocation).toBe(`${parent.slice(4)}/workflowInvocations/wi1`);
  });

  it("refuses to run SQL of another commit than the image was released with", async () => {
    const result = await run({ states: ["SUCCEEDED"], commit: "0ld" }, { expectedCommit: "abc123" });
    expect(result).toMatchObject({ ok: false, state: "WRONG_COMMIT" });
    expect(result.compilationErrors[0]!.message).toMatch(/compiled commit 0ld, but this image was released with Dataform commit abc123/);
    expect(fake!.invocations).toEqual([]);
  });

  it("stops at compilation errors and reports each one without invoking", async () => {
    const result = await run({
      states: ["SUCCEEDED"],
      compilationErrors: [
        { path: "definitions/marts/fct_cost_daily.sqlx", message: 'Could not resolve "stg_missing"', actionTarget: t("ai_usage", "fct_cost_daily") },
        { path: "definitions/reporting/vw_x.sqlx", message: "Unexpected token" },
      ],
    });
    expect(result.ok).toBe(false);
    expect(result.state).toBe("COMPILATION_FAILED");
    expect(result.compilationErrors).toEqual([
      { path: "definitions/marts/fct_cost_daily.sqlx", message: 'Could not resolve "stg_missing"', actionTarget: "p1.ai_usage.fct_cost_daily" },
      { path: "definitions/reporting/vw_x.sqlx", message: "Unexpected token", actionTarget: undefined },
    ]);
    expect(fake!.calls.some((c) => c.path.endsWith("/workflowInvocations"))).toBe(false);
  });

  it("reports every failed action and tells assertions from tables", async () => {
    const result = await run({
      states: ["RUNNING", "FAILED"],
      actions: [
        { target: t("ai_usage", "stg_cursor_members"), state: "SUCCEEDED" },
        { target: t("ai_usage_assertions", "assert_cost_sums_to_vendor"), state: "FAILED", failureReason: "Assertion failed: query returned 3 row(s)." },
        { target: t("ai_usage", "fct_seats_daily"), state: "FAILED", failureReason: "Column x not found" },
        { target: t("ai_usage", "vw_executive_summary"), state: "SKIPPED" },
      ],
      assertions: ["ai_usage_assertions.assert_cost_sums_to_vendor"],
    });
    expect(result.ok).toBe(false);
    expect(result.state).toBe("FAILED");
    expect(result.failedActions).toEqual([
      { target: "p1.ai_usage_assertions.assert_cost_sums_to_vendor", kind: "assertion", state: "FAILED", failureReason: "Assertion failed: query returned 3 row(s).", durationMs: 5000 },
      { target: "p1.ai_usage.fct_seats_daily", kind: "action", state: "FAILED", failureReason: "Column x not found", durationMs: 5000 },
    ]);
    expect(result.actionCounts).toEqual({ SUCCEEDED: 1, FAILED: 2, SKIPPED: 1 });
  });

  it("times out, cancels the invocation and says so", async () => {
    const result = await run({ states: ["RUNNING"], actions: [{ target: t("ai_usage", "fct_usage_daily"), state: "RUNNING" }] }, { timeoutMs: 150, pollMs: 20 });
    expect(result.ok).toBe(false);
    expect(result.state).toBe("TIMED_OUT");
    expect(result.durationMs).toBeGreaterThanOrEqual(150);
    expect(fake!.calls.some((c) => c.method === "POST" && c.path.endsWith("/wi1:cancel"))).toBe(true);
  });

  it("turns an API error into a DataformApiError naming the call and status", async () => {
    fake = await startFakeDataform({ states: ["SUCCEEDED"], compileError: { status: 403, message: "Permission 'dataform.compilationResults.create' denied" } });
    const error = await triggerDataform(target, { rootUrl: fake.rootUrl, auth: auth(), pollMs: 5, retryDelaysMs: [1] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataformApiError);
    expect((error as Error).message).toBe("Dataform API compilationResults.create failed (HTTP 403): Permission 'dataform.compilationResults.create' denied");
  });
});
