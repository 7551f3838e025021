// `npm run simulator` in one process, `npm run load` in another, joined only by the variables the simulator prints
// (in a .env): the mapping goes through Google's Sheets client with SHEETS_EMULATOR_HOST, no credentials.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/config.ts";
import { ROOT, runScript } from "../helpers/cli.ts";

describe("npm run simulator, then npm run load", () => {
  it("loads every stream, the mapping included, from a simulator in another process", async () => {
    const dir = tempDir();
    const sim = spawn(process.execPath, ["--import", "tsx", "simulator/cli.ts", "--port", "0", "--users", "8", "--history-days", "5", "--no-rate-limits", "--write-env", path.join(dir, ".env")], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const printed: string[] = [];
      await new Promise<void>((ok, fail) => {
        sim.once("exit", (code) => fail(new Error(`simulator exited (${code}): ${printed.join("\n")}`)));
        createInterface({ input: sim.stdout! }).on("line", (line) => {
          printed.push(line);
          if (line.includes("Ground truth:")) ok();
        });
      });
      sim.removeAllListeners("exit");
      expect(printed.join("\n")).toMatch(/^SHEETS_EMULATOR_HOST=127\.0\.0\.1:\d+\/sheets$/m);
      expect(printed.join("\n")).not.toMatch(/ACCESS_TOKEN/);
      // What it printed is the .env it wrote: a valid one, comments included.
      expect(readFileSync(path.join(dir, ".env"), "utf8")).toBe(`${printed.slice(0, 8).join("\n")}\n`);
      const r = await runScript("cli/main.ts", ["load", "--days", "2", "--lookback", "0"], {}, dir);
      expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split("\n").at(-1)!).summary as { streams: { source: string; stream: string; status: string; records: number }[] };
      expect(summary.streams.filter((s) => s.status !== "succeeded")).toEqual([]);
      const people = summary.streams.find((s) => s.source === "mapping" && s.stream === "people")!;
      expect(people.records).toBeGreaterThan(0);
      expect(summary.streams).toHaveLength(14);
    } finally {
      if (sim.exitCode === null) {
        // a simulator that already exited (a bad flag) has failed the test above; waiting for its exit would hang
        const exited = new Promise<number | null>((ok) => sim.once("exit", ok));
        sim.kill("SIGTERM");
        expect(await exited).toBe(0);
      }
    }
  });
});
