// Runs bench/load-child.ts in a fresh Node process and returns its one-line JSON result.
import { execFile } from "node:child_process";
import path from "node:path";
import type { ChildJob, ChildResult } from "./load-child.ts";
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
