// Lexical helpers for BigQuery SQL text: rewrites must never touch string literals, comments or quoted names.

export type SegmentKind = "code" | "string" | "ident" | "comment";
export interface Segment {
  kind: SegmentKind;
  text: string;
}

/** Splits SQL into code, string literal ('', "", raw/bytes, triple-quoted), backtick identifier and comment segments. */
export function scan(sql: string): Segment[] {
  const out: Segment[] = [];
  const special = /--|#|\/\*|`|'|"/g;
  let codeStart = 0;
  let i = 0;
  const push = (kind: SegmentKind, from: number, to: number) => {
    if (to > from) out.push({ kind, text: sql.slice(from, to) });
  };
  for (special.lastIndex = 0; ; ) {
    const m = special.exec(sql);
    if (!m) break;
    i = m.index;
    const tok = m[0];
    let stop: number;
    let kind: SegmentKind;
    let from = i;
    if (tok === "--" || tok === "#") {
      const end = sql.indexOf("\n", i);
      stop = end === -1 ? sql.length : end;
      kind = "comment";
    } else if (tok === "/*") {
      const end = sql.indexOf("*/", i + 2);
      stop = end === -1 ? sql.length : end + 2;
      kind = "comment";
    } else if (tok === "`") {
      const end = sql.indexOf("`", i + 1);
      stop = end === -1 ? sql.length : end + 1;
      kind = "ident";
    } else {
      // A raw/bytes prefix (r, b, rb) belongs to the literal.
      const prefix = /(?<![A-Za-z0-9_])[rRbB]{1,2}$/.exec(sql.slice(Math.max(codeStart, i - 3), i))?.[0] ?? "";
      const raw = /r/i.test(prefix);
      from = i - prefix.length;
      const quote = sql.startsWith(tok.repeat(3), i) ? tok.repeat(3) : tok;
      let j = i + quote.length;
      while (j < sql.length && !sql.startsWith(quote, j)) j += !raw && sql[j] === "\\" ? 2 : 1;
      stop = Math.min(sql.length, j + quote.length);
      kind = "string";
    }
    push("code", codeStart, from);
    push(kind, from, stop);
    codeStart = stop;
    special.lastIndex = stop;
  }
  push("code", codeStart, sql.length);
  return out;
}

export function join(segments: Segment[]): string {
  return segments.map((s) => s.text).join("");
}

/** Applies `fn` to the code segments only. */
export function mapCode(sql: string, fn: (code: string) => string): string {
  return join(scan(sql).map((s) => (s.kind === "code" ? { ...s, text: fn(s.text) } : s)));
}

/** Same text with every string/comment/quoted-name character replaced by a space: safe to search with regexes. */
export function mask(sql: string): string {
  return scan(sql)
    .map((s) => (s.kind === "code" ? s.text : s.kind === "ident" ? "`" + " ".repeat(s.text.length - 2) + "`" : " ".repeat(s.text.length)))
    .join("");
}

/** Splits a script into statements at top-level semicolons; empty statements are dropped. */
export function splitStatements(sql: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (const seg of scan(sql)) {
    if (seg.kind !== "code") {
      current += seg.text;
      continue;
    }
    const pieces = seg.text.split(";");
    current += pieces[0];
    for (const piece of pieces.slice(1)) {
      parts.push(current);
      current = piece;
    }
  }
  parts.push(current);
  return parts.filter((p) => mask(p).trim() !== "").map((p) => p.trim());
}

export interface Call {
  start: number; // index of the function name
  open: number; // index of "("
  end: number; // index after ")"
  args: string[]; // top-level comma-separated arguments, untrimmed
}

/** Finds calls of `name(` (case-insensitive, not preceded by `.` or a word character) with balanced parentheses. */
export function findCalls(sql: string, name: string): Call[] {
  const masked = mask(sql);
  const re = new RegExp(`(?<![\\w.$])${name.replace(/\./g, "\\.")}\\s*\\(`, "gi");
  const calls: Call[] = [];
  for (let m = re.exec(masked); m; m = re.exec(masked)) {
    const open = m.index + m[0].length - 1;
    let depth = 0;
    let argStart = open + 1;
    const args: string[] = [];
    let j = open;
    for (; j < masked.length; j++) {
      const c = masked[j];
      if (c === "(" || c === "[") depth++;
      else if (c === ")" || c === "]") {
        depth--;
        if (depth === 0) break;
      } else if (c === "," && depth === 1) {
        args.push(sql.slice(argStart, j));
        argStart = j + 1;
      }
    }
    if (j >= masked.length) continue; // unbalanced: leave it to the parser to complain
    args.push(sql.slice(argStart, j));
    calls.push({ start: m.index, open, end: j + 1, args });
  }
  return calls;
}

/** Rewrites every call of `name`, innermost first; replacements may contain the same function name. */
export function rewriteCalls(sql: string, name: string, fn: (args: string[], call: Call) => string | undefined): string {
  if (!sql.toUpperCase().includes(name.toUpperCase())) return sql; // cheap exit: most names are absent
  // Calls are ordered by start; rewriting call k never moves calls 0..k-1, so walk k downwards.
  for (let k = findCalls(sql, name).length - 1; k >= 0; k--) {
    const call = findCalls(sql, name)[k];
    if (!call) continue;
    const replacement = fn(call.args, call);
    if (replacement !== undefined) sql = sql.slice(0, call.start) + replacement + sql.slice(call.end);
  }
  return sql;
}
