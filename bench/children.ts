// Bench work in fresh Node processes, so that each one's peak RSS and CPU time are its own: bench/load-child.ts for
// loads, bench/measure-child.ts for the project's commands as a user runs them.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ChildJob, ChildResult } from "./load-child.ts";
import type { Measured } from "./measure-child.ts";
import { REPO_ROOT } from "./sim.ts";

export function runChild(job: ChildJob): Promise<ChildResult> {
  const script = path.join(REPO_ROOT, "bench/load-child.ts");
  return new Promise((ok, fail) => {
    execFile(process.execPath, ["--import", "tsx", script, JSON.stringify(job)], { cwd: REPO_ROOT, maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) => {
      if (error) return fail(new Error(`bench child (${job.kind}) failed: ${stderr.trim() || error.message}`));
      try {
        ok(JSON.parse(stdout.trim().split("\n").pop() ?? "") as ChildResult);
      } catch {
        fail(new Error(`bench child (${job.kind}) printed no result: ${stdout.slice(0, 300)}`));
      }
    });
  });
}

export interface CommandRun extends Measured {
  /** Wall time from spawning the process to its exit. */
  ms: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command of the project (e.g. runner/cli.ts run) as a user would, with exactly `env` as its configuration
 * (never the caller's shell or .env: `cwd` should hold none); fails unless it exits 0.
 */
export function runCommand(script: string, args: string[], env: Record<string, string>, cwd: string): Promise<CommandRun> {
  const resultFile = path.join(cwd, `measured-${process.pid}-${Date.now()}.json`);
  const argv = ["--import", path.join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs"), path.join(REPO_ROOT, "bench/measure-child.ts"), resultFile, path.join(REPO_ROOT, script), ...args];
  const t0 = performance.now();
  return new Promise((ok, fail) => {
    execFile(process.execPath, argv, { cwd, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env }, maxBuffer: 256 * 2 ** 20 }, (error, stdout, stderr) => {
      const ms = performance.now() - t0;
      if (error) return fail(new Error(`${script} ${args.join(" ")} failed: ${(stderr || stdout).trim().split("\n").slice(-5).join("\n") || error.message}`));
      ok({ ...(JSON.parse(readFileSync(resultFile, "utf8")) as Measured), ms, stdout, stderr });
    });
  });
}
