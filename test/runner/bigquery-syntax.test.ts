import { describe, expect, it } from "vitest";
import { checkBigQuerySyntax, formatSyntaxProblems } from "../../runner/bigquery-syntax.ts";
import { compile } from "../../runner/index.ts";
import { FIXTURES } from "./helpers.ts";

describe("BigQuery syntax guard (sql-parser-cst, tests only)", () => {
  it("rejects DuckDB-only syntax and functions, naming the statement and file", async () => {
    const graph = await compile({ projectDir: `${FIXTURES}/duckdb_only` });
    const problems = checkBigQuerySyntax(graph);
    expect(problems.map((p) => [p.fileName, p.field])).toEqual([
      ["definitions/cast_shorthand.sqlx", "query"],
      ["definitions/list_function.sqlx", "query"],
    ]);
    expect(problems[0]!.message).toMatch(/not valid BigQuery: Syntax Error: Unexpected ":"/);
    expect(problems[0]!.statement).toContain("'1'::INT64");
    expect(problems[1]!.message).toBe('DuckDB-only function: "list_value("');
    expect(formatSyntaxProblems(problems)).toContain("definitions/cast_shorthand.sqlx (fx.cast_shorthand query): not valid BigQuery");
  });

  it("checks pre/post operations, operations and unit tests too", () => {
    const problems = checkBigQuerySyntax({
      tables: [{ target: { schema: "s", name: "t" }, fileName: "a.sqlx", enumType: "TABLE", query: "SELECT a FROM t ORDER BY a DESC NULLS LAST", preOps: ["DECLARE x INT64 DEFAULT 1"], postOps: ["SELECT * EXCLUDE (a) FROM t"] }],
      operations: [{ target: { schema: "s", name: "o" }, fileName: "o.sqlx", queries: ["SELECT strftime(CURRENT_DATE(), '%Y')"] }],
      tests: [{ name: "t1", fileName: "t.sqlx", testQuery: "SELECT 1", expectedOutputQuery: "SELECT payload->>'$.a' FROM t" }],
    });
    expect(problems.map((p) => `${p.fileName} ${p.field}`)).toEqual(["a.sqlx postOps[0]", "o.sqlx queries[0]", "t.sqlx expectedOutputQuery"]);
  });
});
