import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("simulator CLI", () => {
  it("prints base URLs and credentials, serves them, and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "simulator/cli.ts", "--seed", "3", "--users", "8", "--history-days", "3", "--port", "0", "--time-scale", "20"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const vars = await new Promise<Record<string, string>>((ok, fail) => {
      child.on("exit", (code) => fail(new Error(`cli exited early (${code}): ${out}`)));
      child.stdout.on("data", (b: Buffer) => {
        out += b.toString();
        if (out.includes("Ctrl-C")) ok(Object.fromEntries([...out.matchAll(/^([A-Z_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!])));
      });
    });
    expect(out).toMatch(/seed 3, 8 users, 3 days of history, yesterday \d{4}-\d{2}-\d{2}, real clock, rate limits on, time scale 20\)/);
    expect(vars.SIMULATOR_TIME_SCALE).toBe("20"); // the loaders pace at the same compressed time
    const r = await fetch(`${vars.CURSOR_API_BASE_URL}/teams/members`, { headers: { authorization: `Basic ${Buffer.from(`${vars.CURSOR_API_KEY}:`).toString("base64")}` } });
    expect(r.status).toBe(200);
    child.removeAllListeners("exit");
    const exited = new Promise<number | null>((ok) => child.once("exit", ok));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("names a bad option", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "simulator/cli.ts", "--users", "many"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((ok) => child.on("exit", ok));
    expect(code).toBe(2);
    expect(err).toContain("error: option '--users <n>' argument 'many' is invalid. expected a whole number from 4 to 5000.");
    expect(err).toContain("Usage: npm run simulator -- [options]");
  });
});
