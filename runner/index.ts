// The local Dataform runner: compile the project with the real CLI, execute the graph on DuckDB.
import { dirname, resolve } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { fileURLToPath } from "node:url";
import { datasetNames } from "../loaders/core/config.ts";
import type { DuckDbMemory } from "../loaders/core/duckdb-file.ts";
import { compile } from "./compile.ts";
import { runGraph, type ProgressEvent, type RunResult } from "./execute.ts";
import type { CompiledGraph } from "./graph.ts";

export { compile, CompileError, type CompileOptions } from "./compile.ts";
export { runGraph, type ActionResult, type ActionStatus, type ProgressEvent, type RunOptions, type RunResult } from "./execute.ts";
export { actionsOf, selectActions, SelectionError, topologicalOrder, type Action, type CompiledGraph, type Target } from "./graph.ts";
export { runUnitTests, compareResults, type TestResult } from "./unit-tests.ts";
export { translate, translateQuery, TranslationError } from "./translate.ts";
export { formatAction, formatSummary, formatTest, printProgress } from "./report.ts";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface BuildOptions {
  warehousePath: string;
  /** An open connection to the warehouse (used instead of opening warehousePath, e.g. when the caller holds it). */
  connection?: DuckDBConnection;
  /** The memory budget warehousePath is opened with (Config.warehouse.memory). */
  memory?: DuckDbMemory;
  /** Dataform project; default the repository root. */
  projectDir?: string;
  /** Base dataset, e.g. ai_usage_dev: models go to <dataset>, assertions to <dataset>_assertions, raw is <dataset>_raw. */
  dataset: string;
  vars?: Record<string, string>;
  tags?: string[];
  actions?: string[];
  includeDependencies?: boolean;
  includeDependents?: boolean;
  fullRefresh?: boolean;
  runTests?: boolean;
  onProgress?: (event: ProgressEvent) => void;
}

export function compileForDataset(opts: Pick<BuildOptions, "projectDir" | "dataset" | "vars">): Promise<CompiledGraph> {
  const names = datasetNames(opts.dataset);
  return compile({
    projectDir: opts.projectDir ?? REPO_ROOT,
    defaultSchema: names.base,
    assertionSchema: names.assertions,
    vars: { raw_dataset: names.raw, ...opts.vars },
  });
}

/** Compiles the Dataform project for `dataset` and builds it into the DuckDB warehouse file. */
export async function buildModels(opts: BuildOptions): Promise<RunResult & { compileMs: number }> {
  const t0 = performance.now();
  const graph = await compileForDataset(opts);
  const compileMs = Math.round(performance.now() - t0);
  const result = await runGraph(graph, {
    db: opts.connection ?? opts.warehousePath,
    ...(opts.memory ? { memory: opts.memory } : {}),
    ...(opts.tags ? { tags: opts.tags } : {}),
    ...(opts.actions ? { actions: opts.actions } : {}),
    includeDependencies: opts.includeDependencies === true,
    includeDependents: opts.includeDependents === true,
    fullRefresh: opts.fullRefresh === true,
    runTests: opts.runTests === true,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  return { ...result, compileMs };
}
