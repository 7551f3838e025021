// The allocation of Anthropic cost lines (int_anthropic__cost_allocated) on hand-made inputs with hand-computed
// shares. A Dataform unit test cannot target it (Dataform runs no tests on incremental tables), so this test does what
// `dataform test` does: the model's full-refresh query with its inputs replaced by the rows below, run by the local
// runner's unit-test comparison (row count, columns, rows in order, values).
//
// Lines (all on 2026-11-01):
//  A|out : $1.00 opus output in wrkspc_A, keys k1/k2/k3 5 output tokens each (k4 has only input tokens):
//          0.333333333 each, k1 (first by id on equal weight) takes the 1e-9 remainder
//  N|in  : $0.40 sonnet input in the Default Workspace (NULL): Console (NULL key) 100 tokens, k5 300 -> 0.10 / 0.30
//  A|ws  : $0.05 web search in wrkspc_A, model NULL: k1 made 4 requests; k7's 10 are Priority Tier, which the cost
//          report does not bill -> billed to k1
//  A|hk  : $0.07 haiku output in wrkspc_A: nobody used haiku -> unattributed, description kept
//  A|ce  : $0.20 code execution in wrkspc_A: no usage measure (k1's tokens do not measure it) -> unattributed
//  A|so  : $0.60 sonnet output (standard) in wrkspc_A: k1 10, k2 20; k8's 90 Priority Tier tokens carry no weight
//  A|cr  : a -$0.30 credit on sonnet output in wrkspc_A: split like any line, k1 -0.10 / k2 -0.20
//  C|out : $0.30 opus output in the Claude Code workspace: by estimated_cost of the actors billed there, p1 20 /
//          p2 10, although the workspace's key k6 has output tokens too; p4 (a plan user) and p5 (an API key of
//          another workspace) estimated opus too and take nothing
//  C|hk  : $0.06 haiku output in the Claude Code workspace: no haiku estimate -> the day's estimates of the actors
//          billed there, p1 20 / p2 10 / p3 30
//  C|ce  : $0.10 code execution in the Claude Code workspace: no usage measure -> unattributed
import { DuckDBInstance } from "@duckdb/node-api";
import { beforeAll, expect, it } from "vitest";
import { compileForDataset } from "../../runner/index.ts";
import { runUnitTests } from "../../runner/unit-tests.ts";
import type { CompiledGraph } from "../../runner/graph.ts";
import { prepareConnection } from "../../runner/duckdb.ts";
import { DATASET } from "./fixture.ts";

const INPUTS: Record<string, string> = {
  stg_anthropic__cost_report: `
  SELECT 'A|out' AS cost_line_id, DATE '2026-11-01' AS cost_date, 'wrkspc_A' AS workspace_id, 'Opus Output' AS description, 'opus' AS model, 'standard' AS service_tier, '0-200k' AS context_window, CAST('1.00' AS NUMERIC) AS amount_usd, 'output_tokens' AS token_type, 'tokens' AS cost_type
  UNION ALL SELECT 'N|in', DATE '2026-11-01', CAST(NULL AS STRING), 'Sonnet Input', 'sonnet', 'standard', '0-200k', CAST('0.40' AS NUMERIC), 'uncached_input_tokens', 'tokens'
  UNION ALL SELECT 'A|ws', DATE '2026-11-01', 'wrkspc_A', 'Web Search Usage', CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS STRING), CAST('0.05' AS NUMERIC), CAST(NULL AS STRING), 'web_search'
  UNION ALL SELECT 'A|hk', DATE '2026-11-01', 'wrkspc_A', 'Haiku Output', 'haiku', 'standard', '0-200k', CAST('0.07' AS NUMERIC), 'output_tokens', 'tokens'
  UNION ALL SELECT 'A|ce', DATE '2026-11-01', 'wrkspc_A', 'Code Execution Usage', CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS STRING), CAST('0.20' AS NUMERIC), CAST(NULL AS STRING), 'code_execution'
  UNION ALL SELECT 'A|so', DATE '2026-11-01', 'wrkspc_A', 'Sonnet Output', 'sonnet', 'standard', '0-200k', CAST('0.60' AS NUMERIC), 'output_tokens', 'tokens'
  UNION ALL SELECT 'A|cr', DATE '2026-11-01', 'wrkspc_A', 'Sonnet Output Credit', 'sonnet', 'standard', '0-200k', CAST('-0.30' AS NUMERIC), 'output_tokens', 'tokens'
  UNION ALL SELECT 'C|out', DATE '2026-11-01', 'wrkspc_CC', 'Opus Output', 'opus', 'standard', '0-200k', CAST('0.30' AS NUMERIC), 'output_tokens', 'tokens'
  UNION ALL SELECT 'C|hk', DATE '2026-11-01', 'wrkspc_CC', 'Haiku Output', 'haiku', 'standard', '0-200k', CAST('0.06' AS NUMERIC), 'output_tokens', 'tokens'
  UNION ALL SELECT 'C|ce', DATE '2026-11-01', 'wrkspc_CC', 'Code Execution Usage', CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS STRING), CAST('0.10' AS NUMERIC), CAST(NULL AS STRING), 'code_execution'`,
  int_anthropic__workspaces: `
  SELECT 'wrkspc_A' AS workspace_id, 'Research' AS workspace_name, CAST(NULL AS TIMESTAMP) AS archived_at, FALSE AS is_claude_code, DATE '1900-01-01' AS valid_from, CAST(NULL AS DATE) AS valid_to
  UNION ALL SELECT 'wrkspc_CC', 'Claude Code', CAST(NULL AS TIMESTAMP), TRUE, DATE '1900-01-01', CAST(NULL AS DATE)`,
  int_anthropic__usage_by_token_type: `
  SELECT DATE '2026-11-01' AS usage_date, 'k1' AS api_key_id, 'wrkspc_A' AS workspace_id, 'opus' AS model, 'standard' AS service_tier, '0-200k' AS context_window, 'output_tokens' AS token_type, 5 AS units
  UNION ALL SELECT DATE '2026-11-01', 'k2', 'wrkspc_A', 'opus', 'standard', '0-200k', 'output_tokens', 5
  UNION ALL SELECT DATE '2026-11-01', 'k3', 'wrkspc_A', 'opus', 'standard', '0-200k', 'output_tokens', 5
  UNION ALL SELECT DATE '2026-11-01', 'k4', 'wrkspc_A', 'opus', 'standard', '0-200k', 'uncached_input_tokens', 1000
  UNION ALL SELECT DATE '2026-11-01', CAST(NULL AS STRING), CAST(NULL AS STRING), 'sonnet', 'standard', '0-200k', 'uncached_input_tokens', 100
  UNION ALL SELECT DATE '2026-11-01', 'k5', CAST(NULL AS STRING), 'sonnet', 'standard', '0-200k', 'uncached_input_tokens', 300
  UNION ALL SELECT DATE '2026-11-01', 'k1', 'wrkspc_A', 'opus', 'standard', '0-200k', 'web_search_requests', 4
  UNION ALL SELECT DATE '2026-11-01', 'k7', 'wrkspc_A', 'opus', 'priority', '0-200k', 'web_search_requests', 10
  UNION ALL SELECT DATE '2026-11-01', 'k1', 'wrkspc_A', 'sonnet', 'standard', '0-200k', 'output_tokens', 10
  UNION ALL SELECT DATE '2026-11-01', 'k2', 'wrkspc_A', 'sonnet', 'standard', '0-200k', 'output_tokens', 20
  UNION ALL SELECT DATE '2026-11-01', 'k8', 'wrkspc_A', 'sonnet', 'priority', '0-200k', 'output_tokens', 90
  UNION ALL SELECT DATE '2026-11-01', 'k6', 'wrkspc_CC', 'opus', 'standard', '0-200k', 'output_tokens', 100`,
  int_claude_code__model_usage: `
  SELECT DATE '2026-11-01' AS activity_date, 'p1' AS person_id, 'opus' AS model, 'claude_code_workspace' AS billed_in, CAST('20' AS NUMERIC) AS estimated_cost_cents
  UNION ALL SELECT DATE '2026-11-01', 'p2', 'opus', 'claude_code_workspace', CAST('10' AS NUMERIC)
  UNION ALL SELECT DATE '2026-11-01', 'p3', 'sonnet', 'claude_code_workspace', CAST('30' AS NUMERIC)
  UNION ALL SELECT DATE '2026-11-01', 'p4', 'opus', 'subscription', CAST('50' AS NUMERIC)
  UNION ALL SELECT DATE '2026-11-01', 'p5', 'opus', 'key_workspace', CAST('40' AS NUMERIC)`,
};

const EXPECTED = `
SELECT 'A|ce' AS cost_line_id, DATE '2026-11-01' AS cost_date, 'claude_api' AS tool, 'wrkspc_A' AS workspace_id, 'Code Execution Usage' AS description, CAST(NULL AS STRING) AS model, 'code_execution' AS cost_category, 'unattributed' AS recipient_type, CAST(NULL AS STRING) AS api_key_id, 'unattributed' AS person_id, 'billed' AS basis, CAST(NULL AS NUMERIC) AS weight, CAST(NULL AS NUMERIC) AS total_weight, CAST('0.20' AS NUMERIC) AS amount_usd
UNION ALL SELECT 'A|cr', DATE '2026-11-01', 'claude_api', 'wrkspc_A', 'Sonnet Output Credit', 'sonnet', 'output_tokens', 'api_key', 'k1', CAST(NULL AS STRING), 'allocated', CAST('10' AS NUMERIC), CAST('30' AS NUMERIC), CAST('-0.1' AS NUMERIC)
UNION ALL SELECT 'A|cr', DATE '2026-11-01', 'claude_api', 'wrkspc_A', 'Sonnet Output Credit', 'sonnet', 'output_tokens', 'api_key', 'k2', CAST(NULL AS STRING), 'allocated', CAST('20' AS NUMERIC), CAST('30' AS NUMERIC), CAST('-0.2' AS NUMERIC)
UNION ALL SELECT 'A|hk', DATE '2026-11-01', 'claude_api', 'wrkspc_A', 'Haiku Output', 'haiku', 'output_tokens', 'unattributed', CAST(NULL AS STRING), 'unattributed', 'billed', CAST(NULL AS NUMERIC), CAST(NULL AS NUMERIC), CAST('0.07' AS NUMERIC)
UNION ALL SELECT 'A|out', DATE '2026-11-01', 'claude_api', 'wrkspc_A', 'Opus Output', 'opus', 'output_tokens', 'api_key', 'k1', CAST(NULL AS STRING), 'allocated', CAST('5' AS NUMERIC), CAST('15' AS NUMERIC), CAST('0.333333334' AS NUMERIC)
UNION ALL SELECT 'A|out', DATE '2026-11-01', 'claude_api', 'wrkspc_A', 'Opus Output', 'opus', 'output_tokens', 'api_key', 'k2', CAST(NULL AS STRING), 'allocated', CAST('5' AS NUMERIC), CAST('15' AS NUMERIC), CAST('0.333333333' AS NUMERIC)
UNION ALL SELECT 'A|out', DATE '2026-11-01', 'claude_api', 'wrkspc_A', 'Opus Output', 'opus', 'output_tokens', 'api_key', 'k3', CAST(NULL AS STRING), 'allocated', CAST('5' AS NUMERIC), CAST('15' AS NUMERIC), CAST('0.333333333' AS NUMERIC)
UNION ALL SELECT 'A|so', DATE '2026-11-01', 'claude_api', 'wrkspc_A', 'Sonnet Output', 'sonnet', 'output_tokens', 'api_key', 'k1', CAST(NULL AS STRING), 'allocated', CAST('10' AS NUMERIC), CAST('30' AS NUMERIC), CAST('0.2' AS NUMERIC)
UNION ALL SELECT 'A|so', DATE '2026-11-01', 'claude_api', 'wrkspc_A', 'Sonnet Output', 'sonnet', 'output_tokens', 'api_key', 'k2', CAST(NULL AS STRING), 'allocated', CAST('20' AS NUMERIC), CAST('30' AS NUMERIC), CAST('0.4' AS NUMERIC)
UNION ALL SELECT 'A|ws', DATE '2026-11-01', 'claude_api', 'wrkspc_A', 'Web Search Usage', CAST(NULL AS STRING), 'web_search', 'api_key', 'k1', CAST(NULL AS STRING), 'billed', CAST('4' AS NUMERIC), CAST('4' AS NUMERIC), CAST('0.05' AS NUMERIC)
UNION ALL SELECT 'C|ce', DATE '2026-11-01', 'claude_code', 'wrkspc_CC', 'Code Execution Usage', CAST(NULL AS STRING), 'code_execution', 'unattributed', CAST(NULL AS STRING), 'unattributed', 'billed', CAST(NULL AS NUMERIC), CAST(NULL AS NUMERIC), CAST('0.10' AS NUMERIC)
UNION ALL SELECT 'C|hk', DATE '2026-11-01', 'claude_code', 'wrkspc_CC', 'Haiku Output', 'haiku', 'output_tokens', 'claude_code_user', CAST(NULL AS STRING), 'p1', 'allocated', CAST('20' AS NUMERIC), CAST('60' AS NUMERIC), CAST('0.02' AS NUMERIC)
UNION ALL SELECT 'C|hk', DATE '2026-11-01', 'claude_code', 'wrkspc_CC', 'Haiku Output', 'haiku', 'output_tokens', 'claude_code_user', CAST(NULL AS STRING), 'p2', 'allocated', CAST('10' AS NUMERIC), CAST('60' AS NUMERIC), CAST('0.01' AS NUMERIC)
UNION ALL SELECT 'C|hk', DATE '2026-11-01', 'claude_code', 'wrkspc_CC', 'Haiku Output', 'haiku', 'output_tokens', 'claude_code_user', CAST(NULL AS STRING), 'p3', 'allocated', CAST('30' AS NUMERIC), CAST('60' AS NUMERIC), CAST('0.03' AS NUMERIC)
UNION ALL SELECT 'C|out', DATE '2026-11-01', 'claude_code', 'wrkspc_CC', 'Opus Output', 'opus', 'output_tokens', 'claude_code_user', CAST(NULL AS STRING), 'p1', 'allocated', CAST('20' AS NUMERIC), CAST('30' AS NUMERIC), CAST('0.2' AS NUMERIC)
UNION ALL SELECT 'C|out', DATE '2026-11-01', 'claude_code', 'wrkspc_CC', 'Opus Output', 'opus', 'output_tokens', 'claude_code_user', CAST(NULL AS STRING), 'p2', 'allocated', CAST('10' AS NUMERIC), CAST('30' AS NUMERIC), CAST('0.1' AS NUMERIC)
UNION ALL SELECT 'N|in', DATE '2026-11-01', 'claude_api', CAST(NULL AS STRING), 'Sonnet Input', 'sonnet', 'uncached_input_tokens', 'api_key', CAST(NULL AS STRING), CAST(NULL AS STRING), 'allocated', CAST('100' AS NUMERIC), CAST('400' AS NUMERIC), CAST('0.1' AS NUMERIC)
UNION ALL SELECT 'N|in', DATE '2026-11-01', 'claude_api', CAST(NULL AS STRING), 'Sonnet Input', 'sonnet', 'uncached_input_tokens', 'api_key', 'k5', CAST(NULL AS STRING), 'allocated', CAST('300' AS NUMERIC), CAST('400' AS NUMERIC), CAST('0.3' AS NUMERIC)`;

let graph: CompiledGraph;

beforeAll(async () => {
  graph = await compileForDataset({ dataset: DATASET });
}, 120_000);

it("splits each line by its matching measure and sends the rest to unattributed, to the cent", async () => {
  const model = graph.tables!.find((t) => t.target.name === "int_anthropic__cost_allocated")!;
  let testQuery = model.query!;
  for (const [name, rows] of Object.entries(INPUTS)) {
    const ref = new RegExp(`\`[^\`]*\\b${name}\``, "g");
    expect(testQuery, `the model reads ${name}`).toMatch(ref);
    testQuery = testQuery.replace(ref, `(${rows})`);
  }
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  try {
    await prepareConnection(conn);
    const [result] = await runUnitTests({ tests: [{ name: "cost allocation", fileName: "test/models/cost-allocation.test.ts", testQuery, expectedOutputQuery: EXPECTED }] }, conn);
    expect(result!.messages).toEqual([]);
    expect(result!.status).toBe("passed");
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
});
