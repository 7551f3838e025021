// POST /run-daily-job with no vendor key configured: the real loaders behind the real server answer in words that
// fit an HTTP caller (the variables or secrets to set), not the CLI's flags.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../loaders/core/log.ts";
import { loadConfig, runLoad } from "../../loaders/index.ts";
import { memoryLock } from "../../service/lock.ts";
import { createServer, type RunResponse } from "../../service/server.ts";
import { tempDir } from "../helpers/config.ts";

describe("POST /run-daily-job without keys", () => {
  it("answers 500 with a sentence naming the variables to set, and no CLI wording", async () => {
    const dir = tempDir();
    const service = createServer({
      log: createLogger("error", { write: () => undefined }),
      environment: "development",
      runLoad,
      lock: memoryLock(60_000),
      config: async () => loadConfig({ LAKE_URI: `file://${dir}/lake`, WAREHOUSE: `duckdb:${dir}/warehouse.duckdb` }),
    });
    service.server.listen(0, "127.0.0.1");
    await once(service.server, "listening");
    try {
      const res = await fetch(`http://127.0.0.1:${(service.server.address() as AddressInfo).port}/run-daily-job`, { method: "POST", body: JSON.stringify({ mode: "development" }) });
      const body = (await res.json()) as RunResponse;
      expect(res.status).toBe(500);
      expect(body.error).toBe("no source is configured: set CURSOR_API_KEY, ANTHROPIC_ADMIN_API_KEY, GOOGLE_SHEETS_SPREADSHEET_ID or MAPPING_URI (README, Configuration)");
      expect(body.error).not.toMatch(/--/);
    } finally {
      await service.shutdown(0);
    }
  });
});
