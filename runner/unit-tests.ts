// `dataform test` on DuckDB: run testQuery and expectedOutputQuery and compare like the CLI does
// (row count, column names case-insensitively ignoring order, rows by index, values).
import type { DuckDBConnection } from "@duckdb/node-api";
import { query, type Row } from "./duckdb.ts";
import type { CompiledGraph, CompiledTest } from "./graph.ts";
import { translateQuery } from "./translate.ts";

export interface TestResult {
  name: string;
  fileName: string;
  status: "passed" | "failed";
  durationMs: number;
  /** Why it failed: each mismatch, or the error. */
  messages: string[];
}

const lowerKeys = (row: Row): Row => Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v]));

export function compareResults(actual: { columns: string[]; rows: Row[] }, expected: { columns: string[]; rows: Row[] }): string[] {
  const messages: string[] = [];
  if (actual.rows.length !== expected.rows.length) {
    messages.push(`expected ${expected.rows.length} row(s), got ${actual.rows.length}`);
  }
  const a = [...actual.columns].map((c) => c.toLowerCase()).sort();
  const e = [...expected.columns].map((c) => c.toLowerCase()).sort();
  if (a.join(",") !== e.join(",")) {
    messages.push(`expected columns [${e.join(", ")}], got [${a.join(", ")}]`);
    return messages;
  }
  const rows = Math.min(actual.rows.length, expected.rows.length);
  for (let i = 0; i < rows; i++) {
    const got = lowerKeys(actual.rows[i]!);
    const want = lowerKeys(expected.rows[i]!);
    for (const col of e) {
      if (JSON.stringify(got[col]) !== JSON.stringify(want[col])) {
        messages.push(`row ${i}, column ${col}: expected ${JSON.stringify(want[col])}, got ${JSON.stringify(got[col])}`);
      }
    }
  }
  return messages;
}

async function runOne(conn: DuckDBConnection, test: CompiledTest): Promise<TestResult> {
  const t0 = performance.now();
  let messages: string[];
  try {
    const ctx = { fileName: test.fileName };
    const actual = await query(conn, translateQuery(test.testQuery, ctx));
    const expected = await query(conn, translateQuery(test.expectedOutputQuery, ctx));
    messages = compareResults(actual, expected);
  } catch (e) {
    messages = [(e as Error).message];
  }
  return { name: test.name, fileName: test.fileName, status: messages.length ? "failed" : "passed", durationMs: Math.round(performance.now() - t0), messages };
}

export async function runUnitTests(graph: CompiledGraph, conn: DuckDBConnection, onResult?: (r: TestResult) => void): Promise<TestResult[]> {
  const results: TestResult[] = [];
  for (const test of graph.tests ?? []) {
    const r = await runOne(conn, test);
    onResult?.(r);
    results.push(r);
  }
  return results;
}
