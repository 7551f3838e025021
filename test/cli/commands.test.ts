// Every command as a user runs it (real processes, real DuckDB): --help, bad flags, one configuration for all, a busy
// warehouse, npm run verify.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { beforeAll, describe, expect, it } from "vitest";
import { openDuckDbFile } from "../../loaders/core/duckdb-file.ts";
import { tempDir } from "../helpers/config.ts";
import { runScript, type CliResult } from "../helpers/cli.ts";

const load = (args: string[], env: Record<string, string> = {}, dir?: string) => runScript("cli/main.ts", ["load", ...args], env, dir);
const models = (args: string[], env: Record<string, string> = {}, dir?: string) => runScript("runner/cli.ts", args, env, dir);
const report = (args: string[], env: Record<string, string> = {}, dir?: string) => runScript("report/cli.ts", args, env, dir);
const verify = (env: Record<string, string> = {}, dir?: string) => runScript("cli/main.ts", ["verify"], env, dir);

/** One simulated load (one day) in development, shared by the tests that read a loaded warehouse. */
let loaded: CliResult;
beforeAll(async () => {
  loaded = await load(["--simulated", "--days", "1", "--lookback", "0"]);
  expect(loaded.code, loaded.stderr).toBe(0);
});

describe("--help", () => {
  it("every command prints its usage and exits 0", async () => {
    const cases: [string, string[], string][] = [
      ["cli/main.ts", ["start", "--help"], "Usage: npm start -- [options]"],
      ["cli/main.ts", ["load", "--help"], "Usage: npm run load -- [options]"],
      ["cli/main.ts", ["verify", "--help"], "Usage: npm run verify -- [options]"],
      ["runner/cli.ts", ["--help"], "Usage: npm run models -- [options] [command]"],
      ["runner/cli.ts", ["run", "--help"], "Usage: npm run models -- run [options]"],
      ["runner/cli.ts", ["test", "--help"], "Usage: npm run models -- test [options]"],
      ["report/cli.ts", ["--help"], "Usage: npm run report -- [options]"],
      ["simulator/cli.ts", ["--help"], "Usage: npm run simulator -- [options]"],
      ["bench/run.ts", ["--help"], "Usage: npm run bench -- [options]"],
      ["service/main.ts", ["--help"], "Usage: npm run serve"],
    ];
    const results = await Promise.all(cases.map(([script, args]) => runScript(script, args)));
    results.forEach((r, i) => {
      expect(r.code, `${cases[i]![0]} ${cases[i]![1].join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(cases[i]![2]);
    });
  });
});

describe("bad or conflicting flags: the error, the usage line and the fix, exit 2", () => {
  it("load", async () => {
    const [negative, lookback, unknown, conflict, huge] = await Promise.all([
      load(["--simulated", "--days", "-3"]),
      load(["--simulated", "--lookback", "-1"]),
      load(["--simulated", "--dayz", "3"]),
      load(["--simulated", "--days", "7", "--start", "2026-11-01"]),
      load(["--simulated", "--days", "100000"]),
    ]);
    for (const r of [negative, lookback, unknown, conflict, huge]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("Usage: npm run load -- [options]\nRun `npm run load -- --help` for every option.");
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
    }
    expect(negative.stderr).toContain("error: option '--days <n>' argument '-3' is invalid. expected a whole number from 1 to 3660.");
    expect(lookback.stderr).toContain("error: option '--lookback <n>' argument '-1' is invalid. expected a whole number from 0 to 3660.");
    expect(unknown.stderr).toContain("error: unknown option '--dayz'\n(Did you mean --days?)");
    expect(conflict.stderr).toContain("error: --days and --start cannot be combined: --days N loads the N days ending yesterday (or --end), --start a range from that day; give one");
    expect(huge.stderr).toContain("argument '100000' is invalid");
  });

  it("models: a missing command is an error (unknown tags and actions: test/runner/cli.test.ts)", async () => {
    const none = await models([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: npm run models -- [options] [command]");
  });
});

describe("one configuration for every command", () => {
  it("a DuckDB path whose folder does not exist is an error for models, report and verify, and nothing is created", async () => {
    const missing = path.join(tempDir(), "no", "such", "dir");
    const env = { WAREHOUSE: `duckdb:${missing}/w.duckdb` };
    const results = await Promise.all([models(["run"], env), report([], env), verify(env)]);
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`Configuration error: WAREHOUSE: duckdb:${missing}/w.duckdb: the folder ${missing} does not exist; fix the path, or load data first`);
    }
    expect(existsSync(missing)).toBe(false);
  });

  it("models and report use ENVIRONMENT (from .env too) and WAREHOUSE: a dataset that was never loaded is named with the fix", async () => {
    writeFileSync(path.join(loaded.dir, ".env"), "ENVIRONMENT=staging\n");
    try {
      const [built, dashboard] = await Promise.all([models(["run"], {}, loaded.dir), report([], {}, loaded.dir)]);
      expect(built.code).toBe(2);
      expect(built.stderr).toContain(
        `error: the warehouse ${loaded.dir}/warehouse.duckdb has no schema ai_usage_staging_raw, so nothing was loaded for dataset ai_usage_staging; it has ai_usage_dev_raw: set ENVIRONMENT or BIGQUERY_DATASET to match`,
      );
      expect(dashboard.code).toBe(1);
      expect(dashboard.stderr).toContain(`has no ai_usage_staging.vw_executive_summary`);
    } finally {
      rmSync(path.join(loaded.dir, ".env"));
    }
    const bigquery = await report([], { WAREHOUSE: "bigquery", GOOGLE_CLOUD_PROJECT: "acme" });
    expect(bigquery.code).toBe(2);
    expect(bigquery.stderr).toContain("Configuration error: WAREHOUSE: is bigquery, but npm run report works on the local DuckDB warehouse");
    const bad = await models(["run"], { WAREHOUSE: "postgres://x" });
    expect(bad.stderr).toContain("Configuration error: WAREHOUSE: must be duckdb:<path> (local) or bigquery");
  });

  it("ENVIRONMENT=staging: load, then models build into ai_usage_staging from ai_usage_staging_raw", async () => {
    const env = { ENVIRONMENT: "staging" };
    const staged = await load(["--simulated", "--days", "1", "--lookback", "0", "--sources", "mapping"], env);
    expect(staged.code, staged.stderr).toBe(0);
    const built = await models(["run", "--actions", "stg_mapping__people", "--include-deps"], env, staged.dir);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain("for dataset ai_usage_staging");
    const instance = await DuckDBInstance.create(path.join(staged.dir, "warehouse.duckdb"), { access_mode: "READ_ONLY" });
    const conn = await instance.connect();
    const count = (await conn.runAndReadAll("SELECT COUNT(*)::INTEGER AS n FROM ai_usage_staging.stg_mapping__people")).getRowObjectsJson();
    conn.closeSync();
    instance.closeSync();
    expect(Number(count[0]!.n)).toBeGreaterThan(0);
  });
});

describe("a busy warehouse", () => {
  it("says which run holds it and since when, for a load and for models", async () => {
    const dir = tempDir();
    const file = path.join(dir, "warehouse.duckdb");
    const held = await openDuckDbFile(file, { holder: "load run 20261130T060000Z-abc123" });
    await held.connection.run("CREATE SCHEMA ai_usage_dev_raw");
    try {
      const [second, build] = await Promise.all([load(["--simulated", "--days", "1", "--lookback", "0"], {}, dir), models(["run"], {}, dir)]);
      for (const r of [second, build]) {
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(
          new RegExp(`error: the warehouse ${file} is in use by load run 20261130T060000Z-abc123 \\(pid ${process.pid}\\) since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; DuckDB lets one process write it at a time: wait for that run to finish, or stop it \\(kill ${process.pid}\\), then try again`),
        );
      }
      // The refused load wrote nothing to the lake.
      expect(existsSync(path.join(dir, "lake", "raw"))).toBe(false);
    } finally {
      held.close();
    }
    expect(existsSync(`${file}.holder.json`)).toBe(false);
  });
});

describe("npm run verify", () => {
  it("passes on a fresh load, then reports a corrupted, a missing and an unrecorded object (exit 1)", async () => {
    const ok = await verify({}, loaded.dir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/1 manifests, \d+ objects checked \(size and SHA-256\)/);
    expect(ok.stdout).toContain("OK: 0 missing, 0 corrupted, 0 unloaded, 0 unrecorded");

    const lake = path.join(loaded.dir, "lake");
    const objectOf = (stream: string) => {
      const day = readdirSync(path.join(lake, "raw", stream)).sort()[0]!;
      return path.join("raw", stream, day, readdirSync(path.join(lake, "raw", stream, day))[0]!);
    };
    const corrupted = objectOf("anthropic/cost_report");
    const bytes = readFileSync(path.join(lake, corrupted));
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    writeFileSync(path.join(lake, corrupted), bytes);
    const missing = objectOf("cursor/usage_events");
    rmSync(path.join(lake, missing));
    const stray = path.join(path.dirname(objectOf("cursor/members")), "20261130T000000Z-ffffff.jsonl.gz");
    writeFileSync(path.join(lake, stray), bytes);

    const bad = await verify({}, loaded.dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(new RegExp(`corrupted  ${corrupted}: now \\d+ bytes, sha256 [0-9a-f]{12}…; run \\S+ wrote \\d+ bytes, sha256 [0-9a-f]{12}…; to fetch the day again: npm run load -- --start \\S+ --end \\S+ --lookback 0 --streams anthropic.cost_report$`, "m"));
    expect(bad.stdout).toContain(`missing    ${missing}: run `);
    expect(bad.stdout).toContain(`unrecorded ${stray}: no manifest lists it`);
    expect(bad.stdout).toContain(`unloaded   ${stray}: no row of it is in raw_cursor_members`);
    expect(bad.stdout).toContain("FAILED: 1 missing, 1 corrupted, 1 unloaded, 1 unrecorded");
  });
});
