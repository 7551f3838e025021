// The command line as a user runs it: a real process, its exit code, what it prints.
import { readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/config.ts";
import { runScript } from "../helpers/cli.ts";

const cli = (args: string[], env: Record<string, string> = {}, dir = tempDir()) => runScript("cli/main.ts", args, env, dir);

describe("npm run load", () => {
  it("loads the simulated organization and logs structured JSON when not on a terminal; --users sizes it", async () => {
    const [r, small] = await Promise.all([
      cli(["load", "--simulated", "--days", "2", "--lookback", "0"]),
      cli(["load", "--simulated", "--users", "8", "--days", "1", "--lookback", "0", "--sources", "mapping"]),
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.every((l) => ["INFO", "WARNING", "DEBUG"].includes(l.severity) && typeof l.message === "string" && l.time)).toBe(true);
    expect(lines.at(-1).summary.ok).toBe(true);
    expect(readdirSync(path.join(r.dir, "lake", "raw")).sort()).toEqual(["anthropic", "cursor", "mapping"]);
    const people = (out: string) => JSON.parse(out.trim().split("\n").at(-1)!).summary.streams.find((s: { stream: string }) => s.stream === "people").records as number;
    expect(small.code, small.stderr).toBe(0);
    // 8 people slots against the default 40 (each tab keeps the year's leavers and every team move)
    expect(people(small.stdout)).toBeLessThan(people(r.stdout));
  });

  it("stops on bad configuration before any call, naming the variable (exit 2)", async () => {
    const r = await cli(["load", "--simulated"], { ENVIRONMENT: "prod" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Configuration error: ENVIRONMENT: must be one of development, staging, production");
  });

  it("reads a .env file in the working folder; variables set in the shell win", async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, ".env"), "ENVIRONMENT=prod\nLOG_LEVEL=warn\n");
    const fromFile = await cli(["load", "--simulated"], {}, dir);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain("ENVIRONMENT: must be one of");
    const shellWins = await cli(["load", "--simulated", "--days", "1", "--lookback", "0", "--mode", "dry_run"], { ENVIRONMENT: "staging" }, dir);
    expect(shellWins.code).toBe(0);
    expect(shellWins.stdout).not.toContain('"severity":"INFO"'); // LOG_LEVEL=warn from the file
  });

  it("rejects bad options with the usage, and refuses to run without any source", async () => {
    const bad = await cli(["load", "--simulated", "--days", "x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error: option '--days <n>' argument 'x' is invalid. expected a whole number from 1 to 3660.");
    expect(bad.stderr).toContain("Usage: npm run load -- [options]");
    // --users and --history-days shape the simulated organization only
    const keyed = await Promise.all([cli(["start", "--users", "2000"], { CURSOR_API_KEY: "key_abcdef0123456789" }), cli(["load", "--users", "2000"], { CURSOR_API_KEY: "key_abcdef0123456789" })]);
    for (const k of keyed) {
      expect(k.code).toBe(2);
      expect(k.stderr).toContain("error: --users and --history-days shape the built-in simulated organization, but vendor keys or a mapping are configured");
    }
    const few = await cli(["start", "--users", "3"]);
    expect(few.code).toBe(2);
    expect(few.stderr).toContain("error: option '--users <n>' argument '3' is invalid. expected a whole number from 4 to 5000.");
    const none = await cli(["load"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no source configured");
    expect(none.stderr).toContain("add --simulated");
  });
});
