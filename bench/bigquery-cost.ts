// What a build would be billed on BigQuery, measured on DuckDB: for every statement the runner sends, the rows in the
// partitions its table scans are allowed to read. BigQuery bills the partitions a scan may read after pruning, which
// it decides before running the statement from filters on the partition column that are constants (literals and
// script variables). DuckDB's plan (EXPLAIN, before the statement runs) shows the same: the filters pushed into each
// table scan, through views, window functions partitioned by the column, joins on it and UNION ALL; filters DuckDB
// derives while running (from a join's other side) are not in it, as BigQuery does not prune by them either.
// Per scan: a table BigQuery partitions (a raw table by window_date, a model by its partitionBy column) counts the
// rows whose partition value passes the scan's filters on that column; any other table counts all its rows.
import type { DuckDBConnection } from "@duckdb/node-api";
import type { CompiledGraph } from "../runner/index.ts";
import { mask } from "../runner/sql-text.ts";

interface ScanCost {
  /** schema.table */
  table: string;
  /** The filters on the partition column that prune the scan (DuckDB's text), when the table is partitioned. */
  pruning?: string;
  rows: number;
}

export interface StatementCost {
  action: string;
  /** The statement's first words, for reading the list. */
  statement: string;
  rows: number;
  scans: ScanCost[];
}

/** The partition column of every table BigQuery partitions, by `schema.table`. */
export async function partitionColumns(conn: DuckDBConnection, graph: CompiledGraph, rawSchema: string): Promise<Map<string, string>> {
  const columns = new Map<string, string>();
  // loaders/core/warehouse-bigquery.ts: every raw table with a window_date is partitioned by it
  const raw = await conn.runAndReadAll(
    "SELECT table_name FROM information_schema.columns WHERE table_catalog = current_database() AND table_schema = ? AND column_name = 'window_date'",
    [rawSchema],
  );
  for (const [table] of raw.getRows()) columns.set(`${rawSchema}.${String(table)}`, "window_date");
  for (const t of graph.tables ?? []) {
    const by = t.bigquery?.partitionBy;
    if (by && /^\w+$/.test(by)) columns.set(`${t.target.schema}.${t.target.name}`, by);
  }
  return columns;
}

interface PlanNode {
  name?: string;
  extra_info?: { Table?: string; Filters?: string | string[] };
  children?: PlanNode[];
}

/** Top-level conjuncts of a DuckDB filter text ("a AND (b OR c)" -> "a", "(b OR c)"). */
function conjuncts(filter: string): string[] {
  const masked = mask(filter);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < masked.length; i++) {
    const c = masked[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && masked.startsWith(" AND ", i)) {
      parts.push(filter.slice(start, i));
      start = i + 5;
    }
  }
  parts.push(filter.slice(start));
  return parts.map((p) => p.trim().replace(/^optional:\s*/, "")).filter(Boolean);
}

const SQL_WORDS = new Set(["in", "not", "and", "or", "is", "null", "true", "false", "between", "date", "timestamp", "cast", "as"]);

/** Whether a conjunct constrains the partition column only (no other column, no function of it). */
function onColumnOnly(conjunct: string, column: string): boolean {
  const words = mask(conjunct)
    .replace(/::\s*[A-Za-z_][\w ]*(\(\s*\d+(\s*,\s*\d+)?\s*\))?/g, " ")
    .match(/[A-Za-z_]\w*/g) ?? [];
  return words.some((w) => w.toLowerCase() === column) && words.every((w) => w.toLowerCase() === column || SQL_WORDS.has(w.toLowerCase()));
}

/** `schema.table` of DuckDB's `catalog.schema.table` (parts in double quotes when they need them). */
function tableName(text: string | undefined): string | undefined {
  const parts = [...(text ?? "").matchAll(/"((?:[^"]|"")*)"|[^.]+/g)].map((m) => (m[1] !== undefined ? m[1].replace(/""/g, '"') : m[0]));
  return parts.length >= 2 ? parts.slice(-2).join(".") : undefined;
}

async function count(conn: DuckDBConnection, table: string, where?: string): Promise<number> {
  const [schema, name] = table.split(".");
  const reader = await conn.runAndReadAll(`SELECT COUNT(*) FROM "${schema}"."${name}"${where ? ` WHERE ${where}` : ""}`);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

interface Connections {
  /** The connection the statement runs on (its script variables, its temp tables). */
  conn: DuckDBConnection;
  /** Another connection to the same database for the counts: a failed query there cannot abort the build's transaction. */
  counter: DuckDBConnection;
}

/**
 * The scans of `sql` (with its parameter `values`) as BigQuery would bill them, from DuckDB's plan before the
 * statement runs; statements without a query (transaction control, settings, DDL) read nothing. The counts see
 * committed data: inside a change-driven fact's transaction, its sources (the fact's own rows are never read there).
 */
export async function statementCost(
  { conn, counter }: Connections, sql: string, values: unknown, partitioned: ReadonlyMap<string, string>, schemas: ReadonlySet<string>,
): Promise<ScanCost[]> {
  if (!/^\s*(SELECT|WITH|INSERT|DELETE|UPDATE|MERGE|CREATE\s+(OR\s+REPLACE\s+)?(TEMP\s+|TEMPORARY\s+)?TABLE|SET\s+VARIABLE)\b/i.test(sql)) return [];
  // A statement that DuckDB cannot plan fails when it runs next, and the build with it: not measured.
  const reader = await conn.runAndReadAll(`EXPLAIN (FORMAT JSON) ${sql}`, values as never);
  const plan = JSON.parse(String(reader.getRows()[0]?.[1])) as PlanNode[];
  const scans: ScanCost[] = [];
  const walk = async (node: PlanNode) => {
    const qualified = tableName(node.extra_info?.Table);
    if (qualified && schemas.has(qualified.split(".")[0]!)) {
      const column = partitioned.get(qualified);
      const filters = [node.extra_info?.Filters ?? []].flat().flatMap(conjuncts);
      const pruning = column ? filters.filter((f) => onColumnOnly(f, column)) : [];
      const where = pruning.map((f) => `(${f})`).join(" AND ");
      let rows: number;
      try {
        rows = await count(counter, qualified, where || undefined);
      } catch {
        rows = await count(counter, qualified); // a filter text that is not valid SQL: count the whole table
      }
      scans.push({ table: qualified, ...(where ? { pruning: where } : {}), rows });
    }
    for (const child of node.children ?? []) await walk(child);
  };
  for (const root of plan) await walk(root);
  return scans;
}
