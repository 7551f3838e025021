// Human-readable progress and summaries for the CLI and `npm start`.
import type { ActionResult, ProgressEvent, RunResult } from "./execute.ts";
import type { TestResult } from "./unit-tests.ts";

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

export function formatAction(r: ActionResult): string {
  const mode = r.incremental === undefined ? "" : r.incremental ? " (incremental)" : " (full)";
  const head = `  ${r.status.padEnd(9)} ${r.kind.padEnd(10)} ${r.target}${mode} ${seconds(r.durationMs)}`;
  const lines = [head];
  if (r.status === "skipped") lines.push(`            upstream ${r.skippedBecause} failed`);
  if (r.error) lines.push(...r.error.split("\n").map((l) => `            ${l}`));
  if (r.failingRows?.length) {
    lines.push(`            first ${r.failingRows.length} of ${r.failingRowCount} failing row(s):`);
    for (const row of r.failingRows) lines.push(`              ${JSON.stringify(row)}`);
  }
  if (r.failedSql) lines.push(`            statement: ${r.failedSql.replace(/\s+/g, " ").slice(0, 500)}`);
  return lines.join("\n");
}

export function formatTest(t: TestResult): string {
  return [`  ${t.status.padEnd(9)} test       ${t.name} ${seconds(t.durationMs)}`, ...t.messages.map((m) => `            ${m}`)].join("\n");
}

export function formatSummary(result: RunResult): string {
  const count = (s: string) => result.actions.filter((a) => a.status === s).length;
  const tests = result.tests ? `, tests ${result.tests.filter((t) => t.status === "passed").length}/${result.tests.length} passed` : "";
  return `${result.ok ? "OK" : "FAILED"}: ${count("succeeded")} succeeded, ${count("failed")} failed, ${count("skipped")} skipped, ${count("disabled")} disabled${tests} in ${seconds(result.durationMs)}`;
}

/** onProgress that prints one line per finished action (and its failing rows) to stderr. */
export function printProgress(event: ProgressEvent): void {
  if (event.type === "end") process.stderr.write(formatAction(event.result) + "\n");
  if (event.type === "test") process.stderr.write(formatTest(event.result) + "\n");
}
