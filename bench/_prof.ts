import { spawnSimulator } from "./sim.ts";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
const days = 90;
const sim = await spawnSimulator({ seed: 42, users: 200, days, endDate: "2026-10-31", timeScale: false });
const dir = mkdtempSync("/tmp/bench-");
const out = execFileSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir=/tmp/prof", "--import", "tsx", "bench/load-child.ts", JSON.stringify({ kind: "pipeline", env: sim.env, dir, days, endDate: "2026-10-31", timeScale: 1e6 })], { maxBuffer: 1e8 }).toString();
console.log(JSON.parse(out).ms);
await sim.close();
