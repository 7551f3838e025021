// The CLI end to end: a DuckDB warehouse file, buildModels, exit codes and printed failing rows.
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDBInstance } from "@duckdb/node-api";
import { main } from "../../runner/cli.ts";
import { addEvents, event, FIXTURES, seedRaw, tempDir } from "./helpers.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const tmp = tempDir();
const warehouse = join(tmp.dir, "warehouse.duckdb");

function cli(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ["--import", "tsx", "runner/cli.ts", ...args], { cwd: ROOT }, (err, stdout, stderr) =>
      done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The CLI in this process (no tsx start-up, shared translation cache): exit code and what it printed. */
async function cliInProcess(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = "";
  let stdout = "";
  const err = process.stderr.write.bind(process.stderr);
  const out = process.stdout.write.bind(process.stdout);
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  try {
    const code = await main(args).catch((e: Error) => ((stderr += `error: ${e.message}\n`), 1));
    return { code, stderr, stdout };
  } finally {
    process.stderr.write = err;
    process.stdout.write = out;
  }
}

async function withDb(fn: (conn: import("@duckdb/node-api").DuckDBConnection) => Promise<void>) {
  const instance = await DuckDBInstance.create(warehouse);
  const conn = await instance.connect();
  try {
    await fn(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

beforeAll(() => withDb((conn) => seedRaw(conn, "fx_raw")));
afterAll(() => tmp.cleanup());

const common = ["--project", `${FIXTURES}/basic`, "--warehouse", warehouse, "--dataset", "fx"];

describe("runner/cli.ts", () => {
  it("run (a real process): builds the graph into the warehouse file, prints per-action progress, exits 0", async () => {
    const { code, stderr } = await cli("run", ...common);
    expect(stderr).toMatch(/succeeded\s+incremental fx\.fct_events \(full\)/);
    expect(stderr).toMatch(/OK: 8 succeeded, 0 failed, 0 skipped, 0 disabled/);
    expect(code).toBe(0);
  });

  it("run: a failing assertion prints its rows and exits non-zero; --tags limits the run", async () => {
    await withDb((conn) => addEvents(conn, [event("e9", "u1", "2024-01-09", "-7")], "2024-01-12 00:00:00"));
    const { code, stderr } = await cliInProcess("run", ...common, "--tags", "daily");
    expect(code).toBe(1);
    expect(stderr).toMatch(/failed\s+assertion\s+fx_assertions\.assert_no_negative_amounts/);
    expect(stderr).toContain('{"event_id":"e9","amount":"-7.000000000"}');
    expect(stderr).not.toContain("v_daily_spend"); // tagged looker only
  });

  it("test: runs the unit tests and exits non-zero when one fails", async () => {
    const { code, stderr } = await cliInProcess("test", "--project", `${FIXTURES}/basic`, "--dataset", "fx");
    expect(stderr).toMatch(/passed\s+test\s+test_dim_users /);
    expect(stderr).toMatch(/failed\s+test\s+test_dim_users_wrong[\s\S]*expected "de", got "DE"/);
    expect(code).toBe(1);
  });

  it("an unknown tag or action is a usage error naming the known ones", async () => {
    const tag = await cliInProcess("run", ...common, "--tags", "nosuchtag");
    expect(tag.code).toBe(2);
    expect(tag.stderr).toMatch(/error: unknown tag "nosuchtag"; known tags: .*daily/);
    expect(tag.stderr).toContain("Usage: npm run models -- run [options]");
    const action = await cliInProcess("run", ...common, "--actions", "nosuchaction");
    expect(action.code).toBe(2);
    expect(action.stderr).toMatch(/error: unknown action "nosuchaction"; known actions: .*dim_users/);
  });

  it("usage and bad arguments", async () => {
    expect((await cliInProcess("nope")).code).toBe(2);
    const bad = await cli("run", ...common, "--vars", "novalue"); // a real process
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: --vars: "novalue" is not key=value\nUsage: npm run models -- run [options]');
  });
});
