// BigQuery scripting in pre/post operations: DECLARE and SET become DuckDB session variables
// (SET VARIABLE / getvariable), scoped to one action like a BigQuery script.
import type { DuckDBConnection } from "@duckdb/node-api";
import { mask, splitStatements } from "./sql-text.ts";
import { TranslationError, translateQuery } from "./translate.ts";

export type ScriptStep =
  | { kind: "declare"; names: string[]; type?: string; value?: string }
  | { kind: "set"; name: string; value: string }
  | { kind: "transaction"; statement: "BEGIN TRANSACTION" | "COMMIT" | "ROLLBACK" }
  | { kind: "statement"; sql: string };

// BigQuery multi-statement transactions: BEGIN [TRANSACTION], COMMIT [TRANSACTION], ROLLBACK [TRANSACTION].
const TRANSACTION = /^(BEGIN|COMMIT|ROLLBACK)(\s+TRANSACTION)?\s*;?\s*$/i;

/** Classifies each statement of a BigQuery script fragment. */
export function parseScript(sql: string, fileName?: string): ScriptStep[] {
  return splitStatements(sql).map((statement): ScriptStep => {
    const masked = mask(statement);
    const transaction = TRANSACTION.exec(masked.trim());
    if (transaction) {
      const verb = transaction[1]!.toUpperCase();
      return { kind: "transaction", statement: verb === "BEGIN" ? "BEGIN TRANSACTION" : (verb as "COMMIT" | "ROLLBACK") };
    }
    const declare = /^DECLARE\s+([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)/i.exec(masked);
    if (declare) {
      const names = declare[1]!.split(",").map((n) => n.trim().toLowerCase());
      const rest = masked.slice(declare[0].length);
      const dflt = /\bDEFAULT\b/i.exec(rest);
      const typeEnd = declare[0].length + (dflt ? dflt.index : rest.length);
      const type = statement.slice(declare[0].length, typeEnd).trim();
      const value = dflt ? statement.slice(typeEnd + dflt[0].length).trim() : undefined;
      return { kind: "declare", names, ...(type ? { type } : {}), ...(value !== undefined ? { value } : {}) };
    }
    if (/^SET\s*\(/i.test(masked)) {
      throw new TranslationError("SET (a, b, ...) = ... (multi-variable assignment) is not supported", "SET tuple", fileName);
    }
    const set = /^SET\s+([A-Za-z_]\w*)\s*=/i.exec(masked);
    if (set && !/^SET\s+VARIABLE\b/i.test(masked)) {
      return { kind: "set", name: set[1]!.toLowerCase(), value: statement.slice(set[0].length).trim() };
    }
    return { kind: "statement", sql: statement };
  });
}

/** The DuckDB statement that assigns a variable: `SET VARIABLE x = (SELECT CAST((value) AS type))`. */
export function assignVariable(name: string, value: string | undefined, type: string | undefined, variables: ReadonlySet<string>, fileName?: string): string {
  const expr = value ?? "NULL";
  const select = type ? `SELECT CAST((${expr}) AS ${type})` : `SELECT (${expr})`;
  return `SET VARIABLE ${name} = (${translateQuery(select, { fileName, variables })})`;
}

const LITERAL: Record<string, (value: string) => string> = {
  "DATE[]": (v) => `DATE '${v}'`,
  "BIGINT[]": (v) => v,
  "INTEGER[]": (v) => v,
};

/**
 * The value of a DuckDB variable when it is a non-empty array of dates or integers: its elements as literals that
 * BigQuery and DuckDB read alike (NULL kept; translate's inlineArrayMembership puts them in after translating).
 * Anything else: undefined.
 */
export async function arrayLiterals(conn: DuckDBConnection, name: string): Promise<string[] | undefined> {
  const variable = `getvariable('${name.replace(/'/g, "''")}')`;
  const type = String((await conn.runAndReadAll(`SELECT typeof(${variable})`)).getRows()[0]?.[0]);
  const literal = LITERAL[type];
  if (!literal) return undefined;
  const values = (await conn.runAndReadAll(`SELECT CAST(${variable} AS VARCHAR[]) AS v`)).getRowObjectsJson()[0]?.v as (string | null)[] | null;
  return values?.length ? values.map((v) => (v === null ? "NULL" : literal(v))) : undefined;
}
