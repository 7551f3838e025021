// Test configurations: a temp lake folder and DuckDB file, sources pointed at loopback servers.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Config } from "../../loaders/index.ts";

export function tempDir(prefix = "aiua-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function testConfig(dir: string, overrides: Partial<Config> = {}): Config {
  return {
    environment: "development",
    dataset: "ai_usage_dev",
    lakeUri: `file://${path.join(dir, "lake")}`,
    warehouse: { kind: "duckdb", path: path.join(dir, "warehouse.duckdb"), memory: { memoryLimit: "1GB", tempDirectory: path.join(dir, "warehouse.duckdb.tmp") } },
    logLevel: "info",
    timeScale: 1000,
    mappingMaxShrinkPercent: 50,
    ...overrides,
  };
}

/** A logger destination that keeps every line, to look for leaked secrets. */
export function captureLines(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}
