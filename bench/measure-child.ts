// Runs one of the project's commands exactly as a user runs it (npm run models, npm run report, ...), in this process,
// and writes its exit code, peak RSS and CPU time to a JSON file when it exits.
// node --import tsx bench/measure-child.ts <result.json> <script.ts> [args...]
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

export interface Measured {
  code: number;
  /** Peak resident set of the command's process, bytes. */
  peakRssBytes: number;
  cpuMs: number;
}

const [resultFile, script, ...args] = process.argv.slice(2);
if (!resultFile || !script) throw new Error("usage: measure-child.ts <result.json> <script.ts> [args...]");
process.argv = [process.argv[0]!, path.resolve(script), ...args];
process.on("exit", (code) => {
  const usage = process.resourceUsage();
  const measured: Measured = { code, peakRssBytes: usage.maxRSS * 1024, cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000) };
  writeFileSync(resultFile, JSON.stringify(measured));
});
await import(pathToFileURL(path.resolve(script)).href);
