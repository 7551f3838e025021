// BigQuery semantics of every compiled statement, checked by ZetaSQL (BigQuery's open-source front end) before
// BigQuery sees it: unknown columns, wrong function signatures, type mismatches. The graph is compiled by the real
// Dataform CLI, so this keeps working whatever the models become.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeGraph, formatStatementResults, ZetaSqlAnalyzer, zetaType, type Column, type StatementResult } from "../../runner/bigquery-semantics.ts";
import { compile, REPO_ROOT, type CompiledGraph, type Target } from "../../runner/index.ts";
import type { CompiledAssertion, CompiledTable } from "../../runner/graph.ts";
import { LOAD_RUN_COLUMNS, LOAD_RUNS_TABLE, QUARANTINE_COLUMNS, QUARANTINE_TABLE, RAW_COLUMNS, type Columns } from "../../loaders/core/warehouse.ts";

/**
 * Statements of the project that ZetaSQL rejects today, as `<action> <field>` → a part of the error. Empty: every
 * statement analyses. A new entry needs a reason in a comment; an entry that starts to pass fails the test, so the
 * list never keeps a stale excuse.
 */
const KNOWN_FAILURES: Record<string, string> = {};

const columns = (cols: Columns): Column[] => cols.map(([name, type]) => ({ name, type: zetaType(type) }));

/** The raw tables' schemas as the loaders create them (loaders/core/warehouse.ts). */
function rawColumns(target: Target): Column[] | undefined {
  if (target.name === QUARANTINE_TABLE) return columns(QUARANTINE_COLUMNS);
  if (target.name === LOAD_RUNS_TABLE) return columns(LOAD_RUN_COLUMNS);
  return target.name.startsWith("raw_") ? columns(RAW_COLUMNS) : undefined;
}

let analyzer: ZetaSqlAnalyzer;
beforeAll(async () => {
  analyzer = await ZetaSqlAnalyzer.start();
});
afterAll(() => analyzer?.stop());

describe("BigQuery semantics of the compiled Dataform graph (ZetaSQL)", () => {
  let results: StatementResult[];
  let graph: CompiledGraph;
  beforeAll(async () => {
    graph = await compile({ projectDir: REPO_ROOT });
    results = await analyzeGraph(graph, analyzer, rawColumns);
  });

  it("analyses every statement: no error beyond the explicit known-failure list", () => {
    const errors = results.filter((r) => r.status === "error");
    const unexpected = errors.filter((r) => !(KNOWN_FAILURES[`${r.action} ${r.field}`] && r.message?.includes(KNOWN_FAILURES[`${r.action} ${r.field}`]!)));
    expect(unexpected, formatStatementResults(unexpected)).toEqual([]);
    const stale = Object.keys(KNOWN_FAILURES).filter((k) => !errors.some((r) => `${r.action} ${r.field}` === k));
    expect(stale, "known failures that now pass: remove them").toEqual([]);
  });

  it("covers every action, declaration and unit test of the graph", () => {
    const every = [...(graph.tables ?? []), ...(graph.assertions ?? [])].map((a) => `${a.target.schema}.${a.target.name}`);
    const analysed = new Set(results.filter((r) => r.field === "query").map((r) => r.action));
    expect(every.filter((a) => !analysed.has(a))).toEqual([]);
    for (const d of graph.declarations ?? []) expect(rawColumns(d.target), `schema of ${d.target.name}`).toBeDefined();
    for (const t of graph.tests ?? []) expect(results.filter((r) => r.action === t.name && r.status === "ok")).toHaveLength(2);
    for (const t of (graph.tables ?? []).filter((t) => t.enumType === "INCREMENTAL")) {
      // what the CLI runs on an existing table: a MERGE by the unique key, else an INSERT
      const field = t.uniqueKey?.length ? "merge" : "insert";
      expect(results.find((r) => r.action === `${t.target.schema}.${t.target.name}` && r.field === field)?.status, `${t.target.name} ${field}`).toBe("ok");
    }
  });

  it("lists the statements ZetaSQL cannot analyse (BigQuery scripting), each DECLARE/SET with its value analysed", () => {
    const listed = results.filter((r) => r.status === "not_analysable");
    console.info(`ZetaSQL cannot analyse ${listed.length} scripting statement(s):\n${formatStatementResults(listed)}`);
    for (const r of listed) {
      expect(r.statement).toMatch(/^(DECLARE|SET|BEGIN TRANSACTION$|COMMIT$|ROLLBACK$)/);
      if (/^(DECLARE|SET)\b/.test(r.statement ?? "")) {
        expect(results.find((v) => v.action === r.action && v.field === `${r.field} value`)?.status, `${r.action} ${r.field}`).toBe("ok");
      }
    }
  });
});

describe("what the analysis catches (a small compiled graph)", () => {
  const raw = { database: "p", schema: "raw", name: "raw_events" };
  const t = (name: string, query: string, extra: Record<string, unknown> = {}): CompiledTable => ({
    target: { database: "p", schema: "m", name },
    fileName: `definitions/${name}.sqlx`,
    enumType: "VIEW" as const,
    query,
    ...extra,
  });
  const graph = (tables: CompiledTable[], assertions: CompiledAssertion[] = []): CompiledGraph => ({
    declarations: [{ target: raw }],
    tables: tables.map((x) => ({ ...x, dependencyTargets: [raw, ...(x.dependencyTargets ?? [])] })),
    assertions,
  });
  const run = (g: CompiledGraph) => analyzeGraph(g, analyzer, (target) => (target.name === "raw_events" ? columns(RAW_COLUMNS) : undefined));
  const errors = async (g: CompiledGraph) => (await run(g)).filter((r) => r.status === "error").map((r) => `${r.action} ${r.field}: ${r.message}`);

  it("an unknown column, a wrong function signature, a type mismatch, a non-BigQuery type", async () => {
    expect(
      await errors(
        graph([
          t("a", "SELECT run_idd FROM `p.raw.raw_events`"),
          t("b", "SELECT SAFE_DIVIDE(run_id, 2) AS d FROM `p.raw.raw_events`"),
          t("c", "SELECT window_date FROM `p.raw.raw_events` WHERE window_date > 5"),
          t("d", "SELECT CAST(1 AS INT32) AS x"),
        ]),
      ),
    ).toEqual([
      expect.stringMatching(/^m\.a query: Unrecognized name: run_idd/),
      expect.stringMatching(/^m\.b query: No matching signature for function SAFE_DIVIDE/),
      expect.stringMatching(/^m\.c query: No matching signature for operator >/),
      expect.stringMatching(/^m\.d query: Type not found: INT32/),
    ]);
  });

  it("registers each output for its dependants: a column the upstream does not produce fails downstream", async () => {
    const up = t("stg", "SELECT run_id, window_date AS day FROM `p.raw.raw_events`");
    const down = t("fct", "SELECT day, window_date FROM `p.m.stg`", { dependencyTargets: [up.target] });
    const check = { target: { database: "p", schema: "m_assertions", name: "assert_x" }, fileName: "definitions/assert_x.sqlx", query: "SELECT * FROM `p.m.stg` WHERE day IS NULL", dependencyTargets: [up.target] };
    expect(await errors(graph([down, up], [check]))).toEqual([expect.stringMatching(/^m\.fct query: Unrecognized name: window_date/)]);
  });

  it("checks an incremental's partitioning, its incremental query and the MERGE against the table it writes", async () => {
    const fct = t("fct", "SELECT run_id AS k, window_date AS d FROM `p.raw.raw_events`", {
      enumType: "INCREMENTAL",
      uniqueKey: ["k"],
      bigquery: { partitionBy: "DATE_TRUNC(k, MONTH)", updatePartitionFilter: "d >= since" },
      incrementalPreOps: ["DECLARE since DATE DEFAULT (SELECT MAX(d) FROM `p.m.fct`)"],
      incrementalQuery: "SELECT window_date AS k, run_id AS d FROM `p.raw.raw_events` WHERE window_date >= since",
    });
    const found = await errors(graph([fct]));
    expect(found).toEqual([expect.stringMatching(/^m\.fct create: .*DATE_TRUNC/), expect.stringMatching(/^m\.fct merge: /)]);
  });
});
