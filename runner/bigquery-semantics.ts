// BigQuery semantic analysis of the compiled Dataform graph with ZetaSQL, BigQuery's open-source SQL front end
// (@fivetrandevelopers/zetasql ships its analyzer as a local gRPC server). Imported by tests only.
//
// The catalog starts from the declarations (the raw tables, schemas given by the caller); each action's output is
// registered for its dependants in dependency order, so an unknown column, a wrong function signature or a type
// mismatch anywhere downstream is reported with the statement it is in. Checked per action, as Dataform would run it:
// pre/post operations (BigQuery scripting: each DECLARE's default is analysed and the variable becomes a typed
// constant; the DECLARE itself is listed as not analysable), the query, the CREATE TABLE with its partitioning and
// clustering, an incremental's query and the MERGE the CLI builds from it, assertions, operations, unit tests.
import { execFile, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { actionsOf, topologicalOrder, type CompiledGraph, type Target } from "./graph.ts";
import { parseScript } from "./scripting.ts";

const require = createRequire(import.meta.url);
type ZetaSql = typeof import("@fivetrandevelopers/zetasql");

/** ZetaSQL's TypeProto as the server returns it (typeKind a number, nested types for arrays and structs). */
export type ZetaType = { typeKind: number | string; [k: string]: unknown };
export interface Column {
  name: string;
  type: ZetaType;
}

export interface StatementResult {
  fileName: string;
  action: string;
  /** query, incrementalQuery, preOps[0] statement 2, create, merge, testQuery, ... */
  field: string;
  status: "ok" | "error" | "not_analysable";
  /** ZetaSQL's error, or why the statement cannot be analysed. */
  message?: string;
  statement: string;
}

const TYPE_KINDS: Record<string, string> = {
  STRING: "TYPE_STRING",
  INT64: "TYPE_INT64",
  FLOAT64: "TYPE_DOUBLE",
  BOOL: "TYPE_BOOL",
  DATE: "TYPE_DATE",
  TIMESTAMP: "TYPE_TIMESTAMP",
  DATETIME: "TYPE_DATETIME",
  NUMERIC: "TYPE_NUMERIC",
  BIGNUMERIC: "TYPE_BIGNUMERIC",
  JSON: "TYPE_JSON",
  BYTES: "TYPE_BYTES",
};

/** A BigQuery column type name (as the loaders declare raw tables) as a ZetaSQL type. */
export function zetaType(bigqueryType: string): ZetaType {
  const kind = TYPE_KINDS[bigqueryType.toUpperCase()];
  if (!kind) throw new Error(`no ZetaSQL type for BigQuery type ${bigqueryType}`);
  return { typeKind: kind };
}

const fullName = (t: Target) => [t.database, t.schema, t.name].filter(Boolean).join(".");

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The analyzer server on loopback, and the package's gRPC client to it. */
export class ZetaSqlAnalyzer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: ReturnType<ZetaSql["ZetaSQLClient"]["getInstance"]>,
    private readonly languageOptions: Record<string, unknown>,
  ) {}

  static async start(): Promise<ZetaSqlAnalyzer> {
    if (process.platform !== "linux" || process.arch !== "x64") {
      throw new Error(`the ZetaSQL analyzer server ships for linux-x64 here, not ${process.platform}-${process.arch}`);
    }
    const zetasql = require("@fivetrandevelopers/zetasql") as ZetaSql;
    const binary = join(dirname(require.resolve("@fivetrandevelopers/zetasql")), "zetasql", "remote_server.so");
    const port = await freePort();
    const child = execFile(binary, ["127.0.0.1", String(port)], { maxBuffer: 16 * 1024 * 1024 });
    let output = "";
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    // The package's client dials ZetaSQLClient.HOST; keep it on loopback.
    (zetasql.ZetaSQLClient as unknown as { HOST: string }).HOST = "127.0.0.1";
    zetasql.ZetaSQLClient.init(port);
    const client = zetasql.ZetaSQLClient.getInstance();
    if (!(await client.testConnection())) {
      child.kill("SIGKILL");
      throw new Error(`ZetaSQL server did not answer on 127.0.0.1:${port}:\n${output}`);
    }
    const maximum = (await client.getLanguageOptions({ maximumFeatures: true }))!;
    // BigQuery is ZetaSQL's external product mode: INT64/FLOAT64/NUMERIC, no INT32, no protos.
    // The statements Dataform runs: queries, CREATE TABLE [AS SELECT], MERGE and INSERT (incremental tables), and the
    // DML of pre/post operations and operations.
    const supportedStatementKinds = [
      "RESOLVED_QUERY_STMT", "RESOLVED_CREATE_TABLE_STMT", "RESOLVED_CREATE_TABLE_AS_SELECT_STMT", "RESOLVED_MERGE_STMT",
      "RESOLVED_INSERT_STMT", "RESOLVED_DELETE_STMT",
    ];
    const languageOptions = { ...maximum, productMode: "PRODUCT_EXTERNAL", supportedStatementKinds };
    return new ZetaSqlAnalyzer(child, client, languageOptions);
  }

  /** Analyses one statement against the tables and constants given; returns its output columns (a query's, or the
   * columns a CREATE TABLE defines). */
  async analyze(sql: string, tables: Map<string, Column[]>, constants: Map<string, ZetaType>): Promise<Column[]> {
    const simpleCatalog = {
      name: "bigquery",
      table: [...tables].map(([name, columns]) => ({ name, column: columns.map((c) => ({ name: c.name, type: c.type })) })),
      constant: [...constants].map(([name, type]) => ({ namePath: [name], type })),
      builtinFunctionOptions: { languageOptions: this.languageOptions },
    };
    const response = await this.client.analyze({
      sqlStatement: sql,
      simpleCatalog,
      options: { languageOptions: this.languageOptions, errorMessageMode: "ERROR_MESSAGE_ONE_LINE" },
    } as never);
    type Resolved = {
      resolvedQueryStmtNode?: { outputColumnList?: { name: string; column: { type: ZetaType } }[] };
      resolvedCreateStatementNode?: { resolvedCreateTableStmtBaseNode?: { resolvedCreateTableStmtNode?: { parent?: { columnDefinitionList?: Column[] } } } };
    };
    const statement = (response as { resolvedStatement?: Resolved })?.resolvedStatement;
    const created = statement?.resolvedCreateStatementNode?.resolvedCreateTableStmtBaseNode?.resolvedCreateTableStmtNode?.parent?.columnDefinitionList;
    if (created) return created.map((c) => ({ name: c.name, type: c.type }));
    return (statement?.resolvedQueryStmtNode?.outputColumnList ?? []).map((c) => ({ name: c.name, type: c.column.type }));
  }

  stop(): void {
    this.child.kill("SIGKILL");
  }
}

const errorMessage = (e: unknown) => (e as { details?: string }).details || (e as Error).message;

/** The MERGE the Dataform CLI runs for an incremental table with a unique key (ExecutionSql.mergeInto, CLI 3.0.69). */
/** The INSERT the Dataform CLI runs for an incremental table without a unique key (ExecutionSql, CLI 3.0.69). */
export function insertStatement(target: string, columns: string[], query: string): string {
  const cols = columns.map((c) => `\`${c}\``).join(",");
  return `insert into \`${target}\`\n(${cols})\nselect ${cols}\nfrom (${query}\n) as insertions`;
}

export function mergeStatement(target: string, columns: string[], query: string, uniqueKey: string[], updatePartitionFilter?: string): string {
  const cols = columns.map((c) => `\`${c}\``);
  return `merge \`${target}\` DATAFORM_DEST
using (${query}
) DATAFORM_SOURCE
on ${uniqueKey.map((k) => `DATAFORM_DEST.${k} = DATAFORM_SOURCE.${k}`).join(" and ")} ${updatePartitionFilter ? `and DATAFORM_DEST.${updatePartitionFilter}` : ""}
when matched then
  update set ${columns.map((c) => `\`${c}\` = DATAFORM_SOURCE.${c}`).join(",")}
when not matched then
  insert (${cols.join(",")}) values (${cols.join(",")})`;
}

/**
 * Analyses every compiled statement. `declarationColumns` gives each declared (raw) table's columns; a declaration
 * it returns undefined for is missing from the catalog, so statements reading it fail as they would on BigQuery.
 */
export async function analyzeGraph(
  graph: CompiledGraph,
  analyzer: ZetaSqlAnalyzer,
  declarationColumns: (target: Target) => Column[] | undefined,
): Promise<StatementResult[]> {
  const tables = new Map<string, Column[]>();
  for (const d of graph.declarations ?? []) {
    const columns = declarationColumns(d.target);
    if (columns) tables.set(fullName(d.target), columns);
  }
  const results: StatementResult[] = [];

  /** Runs one statement; returns its output columns, or undefined if it failed. */
  async function check(where: Omit<StatementResult, "status" | "statement">, sql: string, constants: Map<string, ZetaType>): Promise<Column[] | undefined> {
    const statement = sql.trim();
    try {
      const columns = await analyzer.analyze(statement, tables, constants);
      results.push({ ...where, status: "ok", statement });
      return columns;
    } catch (e) {
      results.push({ ...where, status: "error", message: errorMessage(e), statement });
      return undefined;
    }
  }

  /** A BigQuery script fragment: DECLAREs become constants for what follows; other statements are analysed. */
  async function script(where: Omit<StatementResult, "status" | "statement" | "field">, field: string, sql: string, constants: Map<string, ZetaType>, outputOf?: string) {
    let steps;
    try {
      steps = parseScript(sql, where.fileName);
    } catch (e) {
      results.push({ ...where, field, status: "not_analysable", message: `BigQuery scripting: ${(e as Error).message}`, statement: sql.trim() });
      return;
    }
    for (const [i, step] of steps.entries()) {
      const stepField = `${field} statement ${i + 1}`;
      if (step.kind === "statement") {
        const created = await check({ ...where, field: stepField }, step.sql, constants);
        // an operation that creates its output (hasOutput) registers it for its dependants
        if (created?.length && outputOf) tables.set(outputOf, created);
        continue;
      }
      if (step.kind === "transaction") {
        results.push({ ...where, field: stepField, status: "not_analysable", message: "BigQuery scripting: transaction control", statement: step.statement });
        continue;
      }
      const text = step.kind === "declare" ? `DECLARE ${step.names.join(", ")}${step.type ? ` ${step.type}` : ""}${step.value ? ` DEFAULT ${step.value}` : ""}` : `SET ${step.name} = ${step.value}`;
      results.push({ ...where, field: stepField, status: "not_analysable", message: "BigQuery scripting: its value expression is analysed on the next line", statement: text });
      const value = step.kind === "declare" ? (step.value ?? "NULL") : step.value;
      const type = step.kind === "declare" ? step.type : undefined;
      const columns = await check({ ...where, field: `${stepField} value` }, `SELECT ${type ? `CAST((${value}) AS ${type})` : `(${value})`} AS value`, constants);
      const columnType = columns?.[0]?.type;
      if (step.kind === "declare" && columnType) for (const name of step.names) constants.set(name, columnType);
    }
  }

  for (const action of topologicalOrder(actionsOf(graph))) {
    const where = { fileName: action.fileName, action: action.key };
    const t = action.table;
    if (t) {
      const target = fullName(t.target);
      const constants = new Map<string, ZetaType>();
      for (const [i, sql] of (t.preOps ?? []).entries()) await script(where, `preOps[${i}]`, sql, constants);
      const columns = await check({ ...where, field: "query" }, t.query, constants);
      if (!columns) continue; // dependants then report the missing table, as BigQuery would
      if (action.kind !== "view" && (t.bigquery?.partitionBy || t.bigquery?.clusterBy?.length)) {
        const partition = t.bigquery.partitionBy ? ` partition by ${t.bigquery.partitionBy}` : "";
        const cluster = t.bigquery.clusterBy?.length ? ` cluster by ${t.bigquery.clusterBy.join(", ")}` : "";
        await check({ ...where, field: "create" }, `create or replace table \`${target}\`${partition}${cluster} as ${t.query}`, constants);
      }
      tables.set(target, columns);
      for (const [i, sql] of (t.postOps ?? []).entries()) await script(where, `postOps[${i}]`, sql, new Map(constants));
      if (action.kind === "incremental" && t.incrementalQuery) {
        const incremental = new Map<string, ZetaType>();
        for (const [i, sql] of (t.incrementalPreOps ?? []).entries()) await script(where, `incrementalPreOps[${i}]`, sql, incremental);
        const incrementalColumns = await check({ ...where, field: "incrementalQuery" }, t.incrementalQuery, incremental);
        if (incrementalColumns && t.uniqueKey?.length) {
          const merge = mergeStatement(target, columns.map((c) => c.name), t.incrementalQuery, t.uniqueKey, t.bigquery?.updatePartitionFilter);
          await check({ ...where, field: "merge" }, merge, incremental);
        } else if (incrementalColumns) {
          await check({ ...where, field: "insert" }, insertStatement(target, columns.map((c) => c.name), t.incrementalQuery), incremental);
        }
        for (const [i, sql] of (t.incrementalPostOps ?? []).entries()) await script(where, `incrementalPostOps[${i}]`, sql, new Map(incremental));
      }
    } else if (action.assertion) {
      await check({ ...where, field: "query" }, action.assertion.query, new Map());
    } else if (action.operation) {
      const constants = new Map<string, ZetaType>();
      const output = action.operation.hasOutput ? fullName(action.target) : undefined;
      for (const [i, sql] of action.operation.queries.entries()) await script(where, `queries[${i}]`, sql, constants, output);
    }
  }
  for (const test of graph.tests ?? []) {
    const where = { fileName: test.fileName, action: test.name };
    await check({ ...where, field: "testQuery" }, test.testQuery, new Map());
    await check({ ...where, field: "expectedOutputQuery" }, test.expectedOutputQuery, new Map());
  }
  return results;
}

export function formatStatementResults(results: StatementResult[]): string {
  return results.map((r) => `${r.fileName} (${r.action} ${r.field}) ${r.status}${r.message ? `: ${r.message}` : ""}`).join("\n");
}
