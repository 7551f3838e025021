// DuckDB connection handling for the runner: open by path or reuse a caller's connection.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { openDuckDbFile, type DuckDbMemory } from "../loaders/core/duckdb-file.ts";
import { DUCKDB_MACROS } from "./translate.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Row = Record<string, Json>;

export interface Warehouse {
  conn: DuckDBConnection;
  close(): void;
}

const prepared = new WeakSet<DuckDBConnection>();

/** UTC like BigQuery, plus the BigQuery stand-in macros; idempotent per connection. */
export async function prepareConnection(conn: DuckDBConnection): Promise<void> {
  if (prepared.has(conn)) return;
  await conn.run("SET TimeZone = 'UTC'");
  for (const macro of DUCKDB_MACROS) await conn.run(macro);
  prepared.add(conn);
}

/** A caller's connection as it is; a file opened within `memory` (DuckDB's memory_limit and temp_directory). */
export async function openWarehouse(db: DuckDBConnection | string, memory?: DuckDbMemory): Promise<Warehouse> {
  if (typeof db !== "string") {
    await prepareConnection(db);
    return { conn: db, close: () => {} };
  }
  if (db !== ":memory:") mkdirSync(dirname(db), { recursive: true });
  const file = await openDuckDbFile(db, { memory });
  await prepareConnection(file.connection);
  return { conn: file.connection, close: () => file.close() };
}

export async function query(conn: DuckDBConnection, sql: string, values?: Array<string | number>): Promise<{ columns: string[]; rows: Row[] }> {
  const reader = await conn.runAndReadAll(sql, values);
  return { columns: reader.columnNames(), rows: reader.getRowObjectsJson() as Row[] };
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const qualified = (schema: string, name: string): string => `${quoteIdent(schema)}.${quoteIdent(name)}`;

export async function objectType(conn: DuckDBConnection, schema: string, name: string): Promise<"table" | "view" | undefined> {
  const { rows } = await query(
    conn,
    "SELECT table_type FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ?",
    [schema, name],
  );
  const type = rows[0]?.table_type;
  return type === undefined ? undefined : type === "VIEW" ? "view" : "table";
}

export async function columnsOf(conn: DuckDBConnection, schema: string, name: string): Promise<string[]> {
  const { rows } = await query(
    conn,
    "SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ? ORDER BY ordinal_position",
    [schema, name],
  );
  return rows.map((r) => String(r.column_name));
}
