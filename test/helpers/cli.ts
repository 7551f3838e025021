// The commands as a user runs them: a real process from a working folder, its exit code and what it printed.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { tempDir } from "./config.ts";

const run = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, "../..");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  dir: string;
}

/** Variables a developer's shell may carry that would change what a command reads. */
const CONFIG_VARS = /^(CURSOR|ANTHROPIC|GOOGLE_SHEETS|SHEETS_|SIMULATOR_|MAPPING_|LAKE_URI|WAREHOUSE|ENVIRONMENT|BIGQUERY_DATASET|LOG_LEVEL|DEBUG)/;

/**
 * Runs `script` (relative to the repository, e.g. cli/main.ts) with the repository's tsx loader from `dir` (its
 * .env, its relative paths); the lake and the warehouse default to that folder.
 */
export async function runScript(script: string, args: string[], env: Record<string, string> = {}, dir = tempDir()): Promise<CliResult> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !CONFIG_VARS.test(k)));
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", path.join(ROOT, "node_modules/tsx/dist/loader.mjs"), path.join(ROOT, script), ...args], {
      cwd: dir,
      env: { ...clean, LAKE_URI: `file://${dir}/lake`, WAREHOUSE: `duckdb:${dir}/warehouse.duckdb`, ...env },
      maxBuffer: 64 * 2 ** 20,
    });
    return { code: 0, stdout, stderr, dir };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, dir };
  }
}
