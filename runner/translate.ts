// BigQuery -> DuckDB translation: @polyglot-sql/sdk does the bulk, this file fixes the gaps it leaves
// (reference dataform.md §E2) so compiled Dataform SQL runs unchanged on DuckDB.
import { Dialect, transpile } from "@polyglot-sql/sdk";
import { findCalls, join, mapCode, mask, rewriteCalls, scan } from "./sql-text.ts";
import { TranslationCache } from "./translation-cache.ts";

export class TranslationError extends Error {
  constructor(
    message: string,
    readonly construct: string,
    readonly fileName?: string,
  ) {
    super(fileName ? `${fileName}: ${message}` : message);
    this.name = "TranslationError";
  }
}

export interface TranslateContext {
  fileName?: string;
  /** BigQuery script variables (lower-case) declared earlier in the same action: read with getvariable(). */
  variables?: ReadonlySet<string>;
  /** The current values of non-empty array variables, as SQL literals (see inlineArrayMembership). */
  arrays?: ReadonlyMap<string, readonly string[]>;
}

// NUMERIC/BIGNUMERIC: BigQuery NUMERIC is exactly DECIMAL(38, 9); DuckDB's bare DECIMAL is (18, 3).
const MONEY_DECIMAL = "DECIMAL(38, 9)";

/** Macros that stand in for BigQuery functions DuckDB lacks; created once per connection. */
export const DUCKDB_MACROS: readonly string[] = [
  // Not Google's FarmHash, but a stable signed 64-bit fingerprint, which is what models rely on.
  `CREATE OR REPLACE MACRO farm_fingerprint(x) AS CAST(hash(x) >> 1 AS BIGINT)`,
  `CREATE OR REPLACE MACRO parse_numeric(x) AS CAST(trim(x) AS ${MONEY_DECIMAL})`,
  `CREATE OR REPLACE MACRO parse_bignumeric(x) AS CAST(trim(x) AS ${MONEY_DECIMAL})`,
  // JSON_VALUE: a scalar as text; objects and arrays give NULL, as in BigQuery. json_value parses the document once
  // (a json_type guard beside json_extract_string parsed it twice, and staging reads every field this way).
  `CREATE OR REPLACE MACRO bq_json_value(j, p) AS json_extract_string(json_value(j, p), '$')`,
  `CREATE OR REPLACE MACRO bq_json_query_array(j, p) AS CAST(json_extract(j, p) AS JSON[])`,
  `CREATE OR REPLACE MACRO bq_json_value_array(j, p) AS list_transform(CAST(json_extract(j, p) AS JSON[]), e -> json_extract_string(e, '$'))`,
  // BigQuery weeks start on Sunday (WEEK) or the named day (WEEK(MONDAY)); DuckDB's 'week' is ISO only.
  `CREATE OR REPLACE MACRO bq_week_start(d, first_day) AS CAST(CAST(d AS DATE) - CAST((dayofweek(CAST(d AS DATE)) - first_day + 7) % 7 AS INTEGER) AS DATE)`,
  `CREATE OR REPLACE MACRO bq_generate_date_array(a, b, step) AS list_transform(generate_series(CAST(a AS TIMESTAMP), CAST(b AS TIMESTAMP), step), x -> CAST(x AS DATE))`,
  // EXTRACT(WEEK) and DATE_DIFF(..., WEEK) count Sunday-started weeks in BigQuery, ISO weeks in DuckDB.
  `CREATE OR REPLACE MACRO bq_week_number(d) AS CAST(strftime(CAST(d AS DATE), '%U') AS BIGINT)`,
  `CREATE OR REPLACE MACRO bq_week_diff(a, b) AS CAST((bq_week_start(a, 0) - bq_week_start(b, 0)) / 7 AS BIGINT)`,
  // REGEXP_EXTRACT: the first group if the pattern has one, else the match; NULL when nothing matches.
  `CREATE OR REPLACE MACRO bq_regexp_extract(s, p) AS CASE WHEN NOT regexp_matches(s, p) THEN NULL WHEN regexp_matches(p, '(^|[^\\\\])\\(([^?]|$)') THEN regexp_extract(s, p, 1) ELSE regexp_extract(s, p, 0) END`,
  `CREATE OR REPLACE MACRO bq_regexp_replace(s, p, r) AS regexp_replace(s, p, r, 'g')`,
  `CREATE OR REPLACE MACRO bq_date_in_zone(ts, tz) AS CAST(timezone(tz, CAST(ts AS TIMESTAMPTZ)) AS DATE)`,
  `CREATE OR REPLACE MACRO bq_array_limit(a, n) AS list_slice(a, 1, n)`,
  `CREATE OR REPLACE MACRO bq_safe_parse_date(f, s) AS CAST(try_strptime(s, f) AS DATE)`,
  `CREATE OR REPLACE MACRO bq_safe_parse_timestamp(f, s) AS CAST(try_strptime(s, f) AS TIMESTAMPTZ)`,
  `CREATE OR REPLACE MACRO lax_int64(j) AS CAST(round(TRY_CAST(json_extract_string(j, '$') AS DOUBLE)) AS BIGINT)`,
  `CREATE OR REPLACE MACRO lax_float64(j) AS TRY_CAST(json_extract_string(j, '$') AS DOUBLE)`,
  `CREATE OR REPLACE MACRO lax_string(j) AS json_extract_string(j, '$')`,
  `CREATE OR REPLACE MACRO lax_bool(j) AS TRY_CAST(json_extract_string(j, '$') AS BOOLEAN)`,
  `CREATE OR REPLACE MACRO float64(j) AS CAST(j AS DOUBLE)`,
  `CREATE OR REPLACE MACRO bool(j) AS CAST(j AS BOOLEAN)`,
];

// Constructs with no DuckDB equivalent: fail loudly rather than compute something else.
const UNSUPPORTED: ReadonlyArray<[RegExp, string]> = [
  [/\bEXECUTE\s+IMMEDIATE\b/i, "EXECUTE IMMEDIATE"],
  [/\bFOR\s+SYSTEM_TIME\s+AS\s+OF\b/i, "FOR SYSTEM_TIME AS OF (time travel)"],
  [/\bLANGUAGE\s+js\b/i, "JavaScript UDF"],
  [/(?<![\w.])ML\.\w+/i, "BigQuery ML function"],
  [/(?<![\w.])CALL\s+\w/i, "CALL (stored procedure)"],
  [/^\s*(BEGIN|IF|LOOP|WHILE|REPEAT|FOR)\b/i, "BigQuery scripting block"],
  [/(?<![\w.])(APPROX_QUANTILES|HLL_COUNT\.\w+|KEYS\.\w+|AEAD\.\w+)\s*\(/i, "BigQuery-only function"],
  [/(?<![\w.])SAFE\.(?!PARSE_DATE\b|PARSE_TIMESTAMP\b)\w+\s*\(/i, "SAFE. function prefix"],
];

/** `` `project.dataset.table` `` or `` `dataset.table` `` -> `` `dataset`.`table` `` (a DuckDB schema per dataset). */
export function rewriteTargets(sql: string): string {
  return join(
    scan(sql).map((seg) => {
      if (seg.kind !== "ident") return seg;
      const parts = seg.text.slice(1, -1).split(".");
      if (parts.length < 2 || parts.length > 3) return seg;
      return { ...seg, text: `\`${parts[parts.length - 2]}\`.\`${parts[parts.length - 1]}\`` };
    }),
  );
}

/**
 * `x IN UNNEST(v)` with v a non-empty array variable -> `x IN (<v's values>)`. In BigQuery a script variable is a
 * constant of each statement, so a filter on it prunes partitions (the change-driven facts' `changed_days`); DuckDB
 * only pushes a literal list into its scans (polyglot's CASE over getvariable() reaches no scan). The same truth
 * table: an IN list of the array's values (NULLs included); an empty array keeps the general translation.
 */
export function inlineArrayMembership(sql: string, arrays: ReadonlyMap<string, readonly string[]> | undefined): string {
  return fillArrayValues(markArrayMembership(sql, arrays), arrays);
}

// The values go in after translating (fillArrayValues), so a statement translates, and is cached, once whatever
// the days: the daily build's largest statements are the ones that read the changed days.
const ARRAY_VALUES = "__array_values_";

function markArrayMembership(sql: string, arrays: ReadonlyMap<string, readonly string[]> | undefined): string {
  if (!arrays || arrays.size === 0) return sql;
  return mapCode(sql, (code) =>
    code.replace(/\bIN\s+UNNEST\s*\(\s*([A-Za-z_]\w*)\s*\)/gi, (whole: string, name: string) =>
      arrays.get(name.toLowerCase())?.length ? `IN (${ARRAY_VALUES}${name.toLowerCase()})` : whole,
    ),
  );
}

function fillArrayValues(sql: string, arrays: ReadonlyMap<string, readonly string[]> | undefined): string {
  if (!arrays || arrays.size === 0) return sql;
  // polyglot may drop the parentheses of a one-name IN list: put them back either way
  const placeholder = new RegExp(`\\(\\s*${ARRAY_VALUES}(\\w+)\\s*\\)|\\b${ARRAY_VALUES}(\\w+)\\b`, "g");
  return mapCode(sql, (code) => code.replace(placeholder, (_, inParens?: string, bare?: string) => `(${arrays.get((inParens ?? bare)!)!.join(", ")})`));
}

/** Replaces references to declared script variables with DuckDB's getvariable('name'). */
export function substituteVariables(sql: string, variables: ReadonlySet<string> | undefined): string {
  if (!variables || variables.size === 0) return sql;
  return mapCode(sql, (code) =>
    code.replace(/(?<![\w.$@])([A-Za-z_]\w*)(?![\w$])(?!\s*\()/g, (word: string) =>
      variables.has(word.toLowerCase()) ? `getvariable('${word.toLowerCase()}')` : word,
    ),
  );
}

function checkUnsupported(sql: string, fileName: string | undefined): void {
  const masked = mask(sql);
  for (const [re, construct] of UNSUPPORTED) {
    const m = re.exec(masked);
    if (m) throw new TranslationError(`${construct} is not supported by the local DuckDB runner (found "${m[0].trim()}")`, construct, fileName);
  }
}

const WEEKDAYS = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"];

/** Fixes applied to the BigQuery text before transpiling. */
export function preFix(sql: string, fileName?: string): string {
  // polyglot turns JSON_VALUE into `->` (a JSON value, still quoted).
  sql = rewriteCalls(sql, "JSON_VALUE", (args) => `bq_json_value(${args[0]}, ${args[1] ?? "'$'"})`);
  // BigQuery CONCAT is NULL if any argument is; DuckDB's concat() skips NULLs, `||` does not.
  sql = rewriteCalls(sql, "CONCAT", (args) => (args.length === 1 ? `(${args[0]})` : `(${args.map((a) => `(${a})`).join(" || ")})`));
  // DuckDB's regexp_replace replaces the first match only; BigQuery replaces all.
  sql = rewriteCalls(sql, "REGEXP_REPLACE", (args) => `bq_regexp_replace(${args.join(",")})`);
  sql = rewriteCalls(sql, "REGEXP_EXTRACT", (args) => {
    if (args.length > 2) throw new TranslationError("REGEXP_EXTRACT with position/occurrence is not supported", "REGEXP_EXTRACT(value, regexp, position, occurrence)", fileName);
    return `bq_regexp_extract(${args.join(",")})`;
  });
  // DATE(timestamp, time_zone): the civil date in that zone.
  sql = rewriteCalls(sql, "DATE", (args) => (args.length === 2 ? `bq_date_in_zone(${args.join(",")})` : undefined));
  // BigQuery FORMAT is printf-style; DuckDB's format() uses {} placeholders.
  sql = rewriteCalls(sql, "FORMAT", (args) => `printf(${args.join(",")})`);
  sql = rewriteCalls(sql, "JSON_QUERY_ARRAY", (args) => `bq_json_query_array(${args[0]}, ${args[1] ?? "'$'"})`);
  sql = rewriteCalls(sql, "JSON_VALUE_ARRAY", (args) => `bq_json_value_array(${args[0]}, ${args[1] ?? "'$'"})`);
  sql = rewriteCalls(sql, "SAFE.PARSE_DATE", (args) => `bq_safe_parse_date(${args.join(",")})`);
  sql = rewriteCalls(sql, "SAFE.PARSE_TIMESTAMP", (args) => `bq_safe_parse_timestamp(${args.join(",")})`);
  // DuckDB numbers weekdays 0-6 from Sunday, BigQuery 1-7.
  sql = rewriteCalls(sql, "EXTRACT", (args) => {
    const m = /^\s*(DAYOFWEEK|WEEK)\s+FROM\b/i.exec(mask(args[0] ?? ""));
    if (!m) return undefined;
    return m[1]!.toUpperCase() === "WEEK" ? `bq_week_number(${args.join(",").slice(m[0].length)})` : `(EXTRACT(${args.join(",")}) + 1)`;
  });
  sql = rewriteCalls(sql, "DATE_DIFF", (args) =>
    /^\s*WEEK\s*$/i.test(mask(args[2] ?? "")) ? `bq_week_diff(${args[0]}, ${args[1]})` : undefined,
  );
  // DATE_TRUNC/DATE_ADD/DATE_SUB on a DATE return a DATE in BigQuery but a TIMESTAMP in DuckDB.
  sql = rewriteCalls(sql, "DATE_TRUNC", (args) => {
    const part = mask(args[1] ?? "").trim().toUpperCase().replace(/\s+/g, "");
    const week = /^WEEK(?:\((\w+)\))?$/.exec(part);
    if (week) {
      const day = WEEKDAYS.indexOf(week[1] ?? "SUNDAY");
      if (day < 0) throw new TranslationError(`unknown week start ${week[1]} in DATE_TRUNC`, "DATE_TRUNC WEEK(<day>)", fileName);
      return `bq_week_start(${args[0]}, ${day})`;
    }
    if (part === "ISOWEEK") return `bq_week_start(${args[0]}, 1)`;
    if (/^(HOUR|MINUTE|SECOND|MILLISECOND|MICROSECOND)$/.test(part)) return undefined; // a timestamp/datetime truncation
    return `CAST(DATE_TRUNC(${args.join(",")}) AS DATE)`;
  });
  // polyglot only translates GENERATE_DATE_ARRAY directly inside UNNEST.
  sql = rewriteCalls(sql, "GENERATE_DATE_ARRAY", (args) => `bq_generate_date_array(${args[0]}, ${args[1]}, ${args[2] ?? "INTERVAL 1 DAY"})`);
  for (const fn of ["DATE_ADD", "DATE_SUB"]) sql = rewriteCalls(sql, fn, (args) => `CAST(${fn}(${args.join(",")}) AS DATE)`);
  // DuckDB rejects LIMIT inside an aggregate: aggregate everything, then slice.
  sql = rewriteCalls(sql, "ARRAY_AGG", (args) => {
    const last = args[args.length - 1] ?? "";
    const m = /\s+LIMIT\s+(\d+)\s*$/i.exec(mask(last));
    if (!m) return undefined;
    const trimmed = [...args.slice(0, -1), last.slice(0, m.index)];
    return `bq_array_limit(ARRAY_AGG(${trimmed.join(",")}), ${m[1]})`;
  });
  return rewriteUnnestWithOffset(sql);
}

// `UNNEST(a) AS x WITH OFFSET AS o` -> a lateral subquery producing x and the 0-based o.
function rewriteUnnestWithOffset(sql: string): string {
  const alias = /^\s+(?:AS\s+)?(?!WITH\b)([A-Za-z_]\w*)\s+WITH\s+OFFSET(?:\s+(?:AS\s+)?(?!(?:ON|WHERE|JOIN|LEFT|CROSS|INNER|GROUP|ORDER)\b)([A-Za-z_]\w*))?/i;
  for (let k = findCalls(sql, "UNNEST").length - 1; k >= 0; k--) {
    const call = findCalls(sql, "UNNEST")[k];
    if (!call) continue;
    const m = alias.exec(mask(sql.slice(call.end)));
    if (!m) continue;
    const arr = call.args.join(",");
    const value = m[1]!;
    const replacement = `(SELECT UNNEST(${arr}) AS ${value}, GENERATE_SUBSCRIPTS(${arr}, 1) - 1 AS ${m[2] ?? "offset"}) AS __unnest_${value}`;
    sql = sql.slice(0, call.start) + replacement + sql.slice(call.end + m[0].length);
  }
  return sql;
}

/** Fixes applied to polyglot's DuckDB output. */
export function postFix(sql: string): string {
  return mapCode(sql, (code) =>
    code
      .replace(/\bBIGNUMERIC\b(\s*\(\s*\d+\s*(,\s*\d+\s*)?\))?/gi, MONEY_DECIMAL)
      .replace(/\bDECIMAL\s*\(\s*18\s*,\s*3\s*\)/gi, MONEY_DECIMAL)
      .replace(/\bDECIMAL\b(?!\s*\()/gi, MONEY_DECIMAL)
      // polyglot maps REGEXP_CONTAINS (a partial match) to DuckDB's full match.
      .replace(/\bREGEXP_FULL_MATCH\s*\(/gi, "REGEXP_MATCHES("),
  );
}

/** Translates one BigQuery script fragment into DuckDB statements. */
export function translate(sql: string, ctx: TranslateContext = {}): string[] {
  checkUnsupported(sql, ctx.fileName);
  const prepared = preFix(substituteVariables(markArrayMembership(rewriteTargets(sql), ctx.arrays), ctx.variables), ctx.fileName);
  const filled = (statements: string[]) => statements.map((s) => fillArrayValues(s, ctx.arrays));
  const cached = cache.get(prepared);
  if (cached) return filled(cached);
  const result = transpile(prepared, Dialect.BigQuery, Dialect.DuckDB);
  if (!result.success || !result.sql) {
    const where = result.errorLine ? ` at line ${result.errorLine}:${result.errorColumn}` : "";
    throw new TranslationError(`cannot translate BigQuery SQL${where}: ${result.error ?? "unknown error"}\n${sql.trim()}`, "parse", ctx.fileName);
  }
  const statements = result.sql.map(postFix).filter((s) => s.trim() !== "");
  cache.set(prepared, statements);
  return filled(statements);
}

// Transpiling is the slow step (tens of ms a statement): results are reused within and across processes.
const cache = new TranslationCache();

/** Keeps this process's new translations for the next build (called when a build ends). */
export function saveTranslations(): void {
  cache.save();
}

/** Translates a single SELECT (a model query); more than one statement is an error. */
export function translateQuery(sql: string, ctx: TranslateContext = {}): string {
  const statements = translate(sql, ctx);
  if (statements.length !== 1) {
    throw new TranslationError(`expected one SELECT statement, found ${statements.length}`, "multi-statement query", ctx.fileName);
  }
  return statements[0]!;
}

/** Translates a boolean expression written against alias `alias` (e.g. updatePartitionFilter). */
export function translateCondition(condition: string, alias: string, ctx: TranslateContext = {}): string {
  const probe = translateQuery(`SELECT 1 FROM __condition_probe AS ${alias} WHERE ${condition}`, ctx);
  const marker = `FROM __condition_probe AS ${alias} WHERE `;
  const at = probe.indexOf(marker);
  if (at < 0) throw new TranslationError(`cannot translate condition: ${condition}`, "condition", ctx.fileName);
  return probe.slice(at + marker.length);
}
