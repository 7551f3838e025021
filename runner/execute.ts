// Executes a compiled Dataform graph on DuckDB with the CLI's semantics (reference dataform.md §A11).
import type { DuckDBConnection } from "@duckdb/node-api";
import type { DuckDbMemory } from "../loaders/core/duckdb-file.ts";
import { columnsOf, objectType, openWarehouse, qualified, query, quoteIdent, type Row } from "./duckdb.ts";
import { actionsOf, selectActions, topologicalOrder, type Action, type ActionKind, type CompiledGraph, type Selection } from "./graph.ts";
import { arrayLiterals, assignVariable, parseScript } from "./scripting.ts";
import { saveTranslations, translate, translateCondition, translateQuery } from "./translate.ts";
import { runUnitTests, type TestResult } from "./unit-tests.ts";

export type ActionStatus = "succeeded" | "failed" | "skipped" | "disabled";

export interface ActionResult {
  name: string;
  /** `schema.name` in DuckDB. */
  target: string;
  kind: ActionKind;
  fileName: string;
  status: ActionStatus;
  durationMs: number;
  /** Incremental tables: whether this run merged into the existing table. */
  incremental?: boolean;
  error?: string;
  /** The DuckDB statement that failed, when one did. */
  failedSql?: string;
  /** Failed assertions: number of failing rows and the first few. */
  failingRowCount?: number;
  failingRows?: Row[];
  /** Skipped actions: the failed upstream action. */
  skippedBecause?: string;
}

export interface RunResult {
  ok: boolean;
  durationMs: number;
  actions: ActionResult[];
  tests?: TestResult[];
}

export type ProgressEvent = { type: "start"; action: Action } | { type: "end"; result: ActionResult } | { type: "test"; result: TestResult };

export interface RunOptions extends Selection {
  db: DuckDBConnection | string;
  /** When `db` is a path: the memory budget to open it with (the configuration's DUCKDB_MEMORY_LIMIT, DUCKDB_TEMP_DIRECTORY). */
  memory?: DuckDbMemory;
  fullRefresh?: boolean;
  onProgress?: (event: ProgressEvent) => void;
  /** Also run the graph's unit tests (type: "test") after the actions. */
  runTests?: boolean;
  /** How many failing rows of an assertion to return (default 5). */
  failingRowLimit?: number;
  /** Report assertions as disabled instead of running them, like the CLI's --disable-assertions. */
  disableAssertions?: boolean;
}

class StatementError extends Error {
  constructor(
    message: string,
    readonly sql: string,
  ) {
    super(message);
  }
}

/** One action's BigQuery script: variables declared by DECLARE live until the action ends. */
class ActionScript {
  readonly variables = new Set<string>();
  /** Array variables' current values as literals: BigQuery prunes by them, DuckDB only by literals (translate.ts). */
  private readonly arrays = new Map<string, string[]>();
  /** A BEGIN TRANSACTION of this action not committed yet: rolled back if the action fails. */
  private inTransaction = false;
  constructor(
    private readonly conn: DuckDBConnection,
    private readonly fileName: string,
  ) {}

  private async exec(sql: string): Promise<void> {
    try {
      await this.conn.run(sql);
    } catch (e) {
      throw new StatementError((e as Error).message, sql);
    }
  }

  async script(sql: string): Promise<void> {
    for (const step of parseScript(sql, this.fileName)) {
      if (step.kind === "declare") {
        for (const name of step.names) {
          await this.exec(assignVariable(name, step.value, step.type, this.variables, this.fileName));
          this.variables.add(name);
          await this.remember(name);
        }
      } else if (step.kind === "transaction") {
        await this.exec(step.statement);
        this.inTransaction = step.statement === "BEGIN TRANSACTION";
      } else if (step.kind === "set") {
        if (!this.variables.has(step.name)) throw new Error(`${this.fileName}: SET ${step.name} before DECLARE ${step.name}`);
        await this.exec(assignVariable(step.name, step.value, undefined, this.variables, this.fileName));
        await this.remember(step.name);
      } else {
        for (const statement of this.translate(step.sql)) await this.exec(statement);
      }
    }
  }

  private async remember(name: string): Promise<void> {
    const literals = await arrayLiterals(this.conn, name);
    if (literals) this.arrays.set(name, literals);
    else this.arrays.delete(name);
  }

  private get context() {
    return { fileName: this.fileName, variables: this.variables, arrays: this.arrays };
  }

  translate(sql: string): string[] {
    return translate(sql, this.context);
  }

  query(sql: string): string {
    return translateQuery(sql, this.context);
  }

  condition(condition: string, alias: string): string {
    return translateCondition(condition, alias, this.context);
  }

  async run(sql: string): Promise<void> {
    await this.exec(sql);
  }

  async end(): Promise<void> {
    // BigQuery rolls back a script's open transaction when a statement fails; so does the runner
    if (this.inTransaction) await this.conn.run("ROLLBACK").catch(() => undefined);
    this.inTransaction = false;
    for (const name of this.variables) await this.conn.run(`RESET VARIABLE ${name}`).catch(() => undefined);
  }
}

const SOURCE = "__dataform_source";

async function runTable(conn: DuckDBConnection, action: Action, script: ActionScript, fullRefresh: boolean): Promise<boolean> {
  const t = action.table!;
  const { schema, name } = action.target;
  const target = qualified(schema, name);
  const existing = await objectType(conn, schema, name);
  const wanted = action.kind === "view" ? "view" : "table";
  const incremental = action.kind === "incremental" && existing === "table" && (!fullRefresh || t.protected === true);

  if (!incremental) {
    for (const op of t.preOps ?? []) await script.script(op);
    const select = script.query(t.query);
    if (existing && existing !== wanted) await script.run(`DROP ${existing === "view" ? "VIEW" : "TABLE"} IF EXISTS ${target}`);
    await script.run(`CREATE OR REPLACE ${wanted === "view" ? "VIEW" : "TABLE"} ${target} AS ${select}`);
    for (const op of t.postOps ?? []) await script.script(op);
    return false;
  }

  // The CLI wraps these in BigQuery procedures (partition swaps, INFORMATION_SCHEMA diffs); not emulated here.
  if (t.incrementalStrategy && !["INCREMENTAL_STRATEGY_UNSPECIFIED", "MERGE", "APPEND"].includes(t.incrementalStrategy)) {
    throw new Error(`incrementalStrategy ${t.incrementalStrategy} is not supported by the local DuckDB runner`);
  }
  if (t.onSchemaChange && t.onSchemaChange !== "IGNORE") {
    throw new Error(`onSchemaChange ${t.onSchemaChange} is not supported by the local DuckDB runner (use IGNORE or --full-refresh)`);
  }
  for (const op of t.incrementalPreOps ?? []) await script.script(op);
  await script.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(SOURCE)} AS ${script.query(t.incrementalQuery ?? t.query)}`);
  const existingColumns = await columnsOf(conn, schema, name);
  const added = (await query(conn, `SELECT column_name FROM (DESCRIBE ${quoteIdent(SOURCE)})`)).rows
    .map((r) => String(r.column_name))
    .filter((c) => !existingColumns.includes(c));
  // An incremental build fills only the days it replaces: a column the model gained would stay empty on the others.
  if (added.length) {
    throw new Error(
      `${schema}.${name} has no column ${added.join(", ")}, which its model now builds: rebuild it once from the raw data with \`npm run models -- run --full-refresh\` (on GCP, a run with "fullRefresh": true; docs/runbook.md)`,
    );
  }
  const columns = existingColumns.map(quoteIdent);
  if (t.uniqueKey?.length) {
    const keyMatch = t.uniqueKey.map((k) => `DATAFORM_DEST.${quoteIdent(k)} = DATAFORM_SOURCE.${quoteIdent(k)}`).join(" AND ");
    const conditions = [t.bigquery?.updatePartitionFilter, ...(t.bigquery?.incrementalPredicates ?? [])]
      .filter((c): c is string => !!c)
      .map((c) => `(${script.condition(`DATAFORM_DEST.${c}`, "DATAFORM_DEST")})`);
    const destFilter = ["TRUE", ...conditions].join(" AND ");
    // BigQuery's MERGE fails when one target row matches several source rows; keep that guarantee.
    const { rows } = await query(
      conn,
      `SELECT COUNT(*) AS n FROM ${target} AS DATAFORM_DEST JOIN ${quoteIdent(SOURCE)} AS DATAFORM_SOURCE ON ${keyMatch}
       WHERE ${destFilter} GROUP BY ${t.uniqueKey.map((k) => `DATAFORM_DEST.${quoteIdent(k)}`).join(", ")} HAVING COUNT(*) > 1 LIMIT 1`,
    );
    if (rows.length) throw new Error(`UPDATE/MERGE must match at most one source row for each target row (uniqueKey ${t.uniqueKey.join(", ")})`);
    // MERGE ... WHEN MATCHED UPDATE / WHEN NOT MATCHED INSERT == delete the matched rows, insert every source row.
    await script.run(
      `DELETE FROM ${target} AS DATAFORM_DEST WHERE EXISTS (SELECT 1 FROM ${quoteIdent(SOURCE)} AS DATAFORM_SOURCE WHERE ${keyMatch}) AND ${destFilter}`,
    );
  }
  await script.run(`INSERT INTO ${target} (${columns.join(", ")}) SELECT ${columns.join(", ")} FROM ${quoteIdent(SOURCE)}`);
  await script.run(`DROP TABLE IF EXISTS ${quoteIdent(SOURCE)}`);
  for (const op of t.incrementalPostOps ?? []) await script.script(op);
  return true;
}

async function runAssertion(conn: DuckDBConnection, action: Action, script: ActionScript, limit: number): Promise<Pick<ActionResult, "failingRowCount" | "failingRows">> {
  const view = qualified(action.target.schema, action.target.name);
  await script.run(`CREATE OR REPLACE VIEW ${view} AS ${script.query(action.assertion!.query)}`);
  const count = await query(conn, `SELECT COUNT(*) AS row_count FROM ${view}`);
  const failingRowCount = Number(count.rows[0]?.row_count ?? 0);
  if (failingRowCount === 0) return { failingRowCount };
  const sample = await query(conn, `SELECT * FROM ${view} LIMIT ${limit}`);
  return { failingRowCount, failingRows: sample.rows };
}

/** Runs the selected actions in dependency order; a failure skips everything downstream of it. */
export async function runGraph(graph: CompiledGraph, opts: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const all = actionsOf(graph);
  const selected = selectActions(all, opts);
  const order = topologicalOrder(all).filter((a) => selected.has(a.key));
  const warehouse = await openWarehouse(opts.db, opts.memory);
  const { conn } = warehouse;
  const failed = new Map<string, string>(); // key -> the failed action that caused it
  const results: ActionResult[] = [];
  try {
    for (const schema of new Set(order.map((a) => a.target.schema))) {
      await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    }
    for (const action of order) {
      const base = { name: action.target.name, target: action.key, kind: action.kind, fileName: action.fileName };
      const t0 = performance.now();
      const blocker = action.dependencies.map((d) => failed.get(d)).find((d) => d !== undefined);
      let result: ActionResult;
      if (blocker) {
        failed.set(action.key, blocker);
        result = { ...base, status: "skipped", durationMs: 0, skippedBecause: blocker };
      } else if (action.disabled || (action.kind === "assertion" && opts.disableAssertions)) {
        result = { ...base, status: "disabled", durationMs: 0 };
      } else {
        opts.onProgress?.({ type: "start", action });
        const script = new ActionScript(conn, action.fileName);
        try {
          if (action.kind === "assertion") {
            const outcome = await runAssertion(conn, action, script, opts.failingRowLimit ?? 5);
            const ok = !outcome.failingRowCount;
            result = {
              ...base,
              status: ok ? "succeeded" : "failed",
              durationMs: 0,
              ...outcome,
              ...(ok ? {} : { error: `assertion failed: ${outcome.failingRowCount} row(s) returned` }),
            };
          } else if (action.kind === "operation") {
            for (const q of action.operation!.queries) await script.script(q);
            result = { ...base, status: "succeeded", durationMs: 0 };
          } else {
            const incremental = await runTable(conn, action, script, opts.fullRefresh === true);
            result = { ...base, status: "succeeded", durationMs: 0, ...(action.kind === "incremental" ? { incremental } : {}) };
          }
        } catch (e) {
          const message = (e as Error).message;
          result = {
            ...base,
            status: "failed",
            durationMs: 0,
            error: message.startsWith(action.fileName) ? message : `${action.fileName}: ${message}`,
            ...(e instanceof StatementError ? { failedSql: e.sql } : {}),
          };
        } finally {
          await script.end();
        }
        if (result.status === "failed") failed.set(action.key, action.key);
      }
      result.durationMs = Math.round(performance.now() - t0);
      results.push(result);
      opts.onProgress?.({ type: "end", result });
    }
    const tests = opts.runTests ? await runUnitTests(graph, conn, (r) => opts.onProgress?.({ type: "test", result: r })) : undefined;
    const ok = results.every((r) => r.status === "succeeded" || r.status === "disabled") && (tests ?? []).every((t) => t.status === "passed");
    return { ok, durationMs: Math.round(performance.now() - started), actions: results, ...(tests ? { tests } : {}) };
  } finally {
    warehouse.close();
    saveTranslations();
  }
}
