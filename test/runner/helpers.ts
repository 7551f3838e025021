// Shared test helpers: a seeded raw dataset for the `basic` fixture and small DuckDB readers.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { prepareConnection, type Row } from "../../runner/duckdb.ts";

export const FIXTURES = resolve(import.meta.dirname, "fixtures");

export const ms = (day: string) => Date.parse(`${day}T12:00:00Z`);

export function event(id: string, user: string, day: string, amount: string): string {
  return JSON.stringify({ id, user, ts_ms: ms(day), amount });
}

/** The raw tables the basic fixture declares (fx_raw.events, fx_raw.users), with a first batch of data. */
export async function seedRaw(conn: DuckDBConnection, schema = "fx_raw"): Promise<void> {
  await conn.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await conn.run(`CREATE TABLE ${schema}.events (payload JSON, loaded_at TIMESTAMP)`);
  await conn.run(`CREATE TABLE ${schema}.users (user_id VARCHAR, country VARCHAR, signup_date DATE)`);
  await conn.run(`INSERT INTO ${schema}.users VALUES
    ('u1', 'de', '2024-01-01'), ('u2', 'fr', '2000-06-01'), ('u3', NULL, '2023-05-05'), ('u0', 'it', '1999-01-01')`);
  await addEvents(conn, [event("e1", "u1", "2024-01-01", "1.25"), event("e2", "u3", "2024-01-08", "2.5"), event("e3", "u1", "2024-01-10", "4")], "2024-01-11 00:00:00", schema);
}

export async function addEvents(conn: DuckDBConnection, payloads: string[], loadedAt: string, schema = "fx_raw"): Promise<void> {
  for (const p of payloads) await conn.run(`INSERT INTO ${schema}.events VALUES ($1, $2::TIMESTAMP)`, [p, loadedAt]);
}

export async function rows(conn: DuckDBConnection, sql: string): Promise<Row[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Row[];
}

export async function memoryDb(): Promise<{ conn: DuckDBConnection; close: () => void }> {
  const instance = await DuckDBInstance.create(":memory:");
  const conn = await instance.connect();
  await prepareConnection(conn);
  return { conn, close: () => { conn.closeSync(); instance.closeSync(); } };
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "runner-test-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
