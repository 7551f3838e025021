// The runner opens the warehouse within the configured memory budget and spills beyond it (DUCKDB_MEMORY_LIMIT,
// DUCKDB_TEMP_DIRECTORY): a build's memory must not grow with the company.
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openWarehouse } from "../../runner/duckdb.ts";
import { tempDir } from "../helpers/config.ts";

describe("the warehouse's memory budget", () => {
  it("opens the file with memory_limit and temp_directory, and a sort larger than the limit spills there", async () => {
    const dir = tempDir();
    const spill = path.join(dir, "spill");
    const w = await openWarehouse(path.join(dir, "w.duckdb"), { memoryLimit: "64MB", tempDirectory: spill });
    try {
      const settings = await w.conn.runAndReadAll("SELECT current_setting('memory_limit') AS m, current_setting('temp_directory') AS t");
      expect(settings.getRowObjectsJson()).toEqual([{ m: "61.0 MiB", t: spill }]);
      // about 180 MB of strings sorted within 64 MB
      const sorted = await w.conn.runAndReadAll("SELECT count(*) AS n FROM (SELECT repeat('x', 50) || i AS s FROM range(3000000) t(i) ORDER BY s DESC)");
      expect(sorted.getRowObjectsJson()).toEqual([{ n: "3000000" }]);
      expect(existsSync(spill)).toBe(true);
    } finally {
      w.close();
    }
  });
});
