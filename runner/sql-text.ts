// Lexical helpers for BigQuery SQL text: rewrites must never touch string literals, comments or quoted names.

export type SegmentKind = "code" | "string" | "ident" | "comment";
export interface Segment {
  kind: SegmentKind;
  text: string;
}

/** Splits SQL into code, string literal ('', "", raw/bytes, triple-quoted), backtick identifier and comment segments. */
export function scan(sql: string): Segment[] {
  const out: Segment[] = [];
  let code = "";
  let i = 0;
  const flush = () => {
    if (code) out.push({ kind: "code", text: code });
    code = "";
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === "-" && next === "-" || ch === "#") {
      const end = sql.indexOf("\n", i);
      const stop = end === -1 ? sql.length : end;
      flush();
      out.push({ kind: "comment", text: sql.slice(i, stop) });
      i = stop;
    } else if (ch === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      flush();
      out.push({ kind: "comment", text: sql.slice(i, stop) });
      i = stop;
    } else if (ch === "`") {
      const end = sql.indexOf("`", i + 1);
      const stop = end === -1 ? sql.length : end + 1;
      flush();
      out.push({ kind: "ident", text: sql.slice(i, stop) });
      i = stop;
    } else if (ch === "'" || ch === '"') {
      // A raw/bytes prefix (r, b, rb) belongs to the literal.
      const prefix = /[rRbB]{1,2}$/.exec(code)?.[0] ?? "";
      const before = code.slice(0, code.length - prefix.length);
      const isPrefix = prefix !== "" && !/[A-Za-z0-9_]$/.test(before);
      if (isPrefix) code = before;
      const raw = isPrefix && /r/i.test(prefix);
      const triple = sql.startsWith(ch.repeat(3), i);
      const quote = triple ? ch.repeat(3) : ch;
      let j = i + quote.length;
      while (j < sql.length && !sql.startsWith(quote, j)) j += !raw && sql[j] === "\\" ? 2 : 1;
      const stop = Math.min(sql.length, j + quote.length);
      flush();
      out.push({ kind: "string", text: (isPrefix ? prefix : "") + sql.slice(i, stop) });
      i = stop;
    } else {
      code += ch;
      i += 1;
    }
  }
  flush();
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
  // Calls are ordered by start; rewriting call k never moves calls 0..k-1, so walk k downwards.
  for (let k = findCalls(sql, name).length - 1; k >= 0; k--) {
    const call = findCalls(sql, name)[k];
    if (!call) continue;
    const replacement = fn(call.args, call);
    if (replacement !== undefined) sql = sql.slice(0, call.start) + replacement + sql.slice(call.end);
  }
  return sql;
}
