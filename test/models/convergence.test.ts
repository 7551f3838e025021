// The convergence property test (issue 9), on several seeds. Replay one: CONVERGENCE_SEEDS=<seed>; more operations:
// CONVERGENCE_OPERATIONS=<n>.
import { beforeAll, describe, it } from "vitest";
import type { CompiledGraph } from "../../runner/index.ts";
import { compileForConvergence, runConvergence } from "./convergence.ts";

const SEEDS = (process.env.CONVERGENCE_SEEDS ?? "11,23,37").split(",").map(Number);
const OPERATIONS = Number(process.env.CONVERGENCE_OPERATIONS ?? 20);

let graph: CompiledGraph;
beforeAll(async () => {
  graph = await compileForConvergence();
}, 120_000);

describe("convergence: whatever happened before, the daily build equals a full rebuild and the vendors' figures", () => {
  // concurrently: DuckDB works on its own threads, so two seeds keep both cores busy
  for (const seed of SEEDS) {
    it.concurrent(`seed ${seed}`, async ({ expect }) => {
      const result = await runConvergence(seed, OPERATIONS, graph);
      expect(result.failure).toBeUndefined();
      expect(result.operations.length).toBeGreaterThanOrEqual(20);
      expect(result.builds).toBeGreaterThanOrEqual(5);
      expect(result.spendChecks).toBeGreaterThan(0);
    }, 1_200_000);
  }
});
