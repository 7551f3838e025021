// BigQuery syntax guard for compiled Dataform SQL. Imported by tests only: sql-parser-cst is GPL-2.0-or-later
// and must not ship. It proves the SQL the runner executes on DuckDB is still valid BigQuery.
import { parse } from "sql-parser-cst";
import type { CompiledGraph } from "./graph.ts";
import { mapCode, mask } from "./sql-text.ts";

export interface SyntaxProblem {
  fileName: string;
  action: string;
  /** Which compiled field: query, incrementalQuery, preOps[0], queries[1], testQuery, ... */
  field: string;
  message: string;
  statement: string;
}

// DuckDB syntax and functions that BigQuery rejects; sql-parser-cst accepts some function names it does not know.
const DUCKDB_ONLY: ReadonlyArray<[RegExp, string]> = [
  [/::/, "`::` cast (use CAST(x AS type))"],
  [/\*\s*EXCLUDE\s*\(/i, "* EXCLUDE (use * EXCEPT)"],
  [/->>?/, "-> / ->> JSON operator (use JSON_VALUE / JSON_QUERY)"],
  [/\bILIKE\b/i, "ILIKE (use LOWER(x) LIKE ...)"],
  [/\bTRY_CAST\s*\(/i, "TRY_CAST (use SAFE_CAST)"],
  [
    /(?<![\w.])(list_\w+|struct_pack|strftime|strptime|try_strptime|epoch_ms|epoch|regexp_matches|regexp_full_match|count_if|getvariable|str_split|string_split|array_slice|date_part|datediff|datepart|make_date|make_timestamp|to_timestamp|json_extract_string|arg_max|arg_min|bool_or|bool_and|list|unnest_tokens|read_csv\w*|read_json\w*|read_parquet)\s*\(/i,
    "DuckDB-only function",
  ],
];

function fieldsOf(graph: CompiledGraph): Array<Omit<SyntaxProblem, "message" | "statement"> & { sql: string }> {
  const out: Array<Omit<SyntaxProblem, "message" | "statement"> & { sql: string }> = [];
  const add = (fileName: string, action: string, field: string, sql: string | undefined) => {
    if (sql !== undefined && sql.trim() !== "") out.push({ fileName, action, field, sql });
  };
  for (const t of graph.tables ?? []) {
    const name = `${t.target.schema}.${t.target.name}`;
    add(t.fileName, name, "query", t.query);
    add(t.fileName, name, "incrementalQuery", t.incrementalQuery);
    for (const f of ["preOps", "postOps", "incrementalPreOps", "incrementalPostOps"] as const) {
      (t[f] ?? []).forEach((sql, i) => add(t.fileName, name, `${f}[${i}]`, sql));
    }
    if (t.bigquery?.updatePartitionFilter) add(t.fileName, name, "updatePartitionFilter", `SELECT 1 FROM t WHERE ${t.bigquery.updatePartitionFilter}`);
  }
  for (const a of graph.assertions ?? []) add(a.fileName, `${a.target.schema}.${a.target.name}`, "query", a.query);
  for (const o of graph.operations ?? []) o.queries.forEach((sql, i) => add(o.fileName, `${o.target.schema}.${o.target.name}`, `queries[${i}]`, sql));
  for (const t of graph.tests ?? []) {
    add(t.fileName, t.name, "testQuery", t.testQuery);
    add(t.fileName, t.name, "expectedOutputQuery", t.expectedOutputQuery);
  }
  return out;
}

/** Every compiled statement that is not valid BigQuery, with its file; empty when all pass. */
export function checkBigQuerySyntax(graph: CompiledGraph): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  for (const { sql, ...where } of fieldsOf(graph)) {
    const statement = sql.trim();
    try {
      // sql-parser-cst 0.42 rejects the valid ORDER BY ... NULLS FIRST|LAST; drop it before parsing.
      parse(mapCode(sql, (code) => code.replace(/\bNULLS\s+(FIRST|LAST)\b/gi, "")), { dialect: "bigquery" });
    } catch (e) {
      problems.push({ ...where, statement, message: `not valid BigQuery: ${(e as Error).message}` });
      continue;
    }
    const masked = mask(sql);
    for (const [re, what] of DUCKDB_ONLY) {
      const m = re.exec(masked);
      if (m) problems.push({ ...where, statement, message: `${what}: "${m[0]}"` });
    }
  }
  return problems;
}

export function formatSyntaxProblems(problems: SyntaxProblem[]): string {
  return problems.map((p) => `${p.fileName} (${p.action} ${p.field}): ${p.message}\n${p.statement}`).join("\n\n");
}
