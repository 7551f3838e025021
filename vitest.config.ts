import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two workers even on two cores: much of the suite waits on child processes (Dataform compiles, simulators,
    // Chromium) and disk, so one worker per spare core (vitest's default, 1 here) leaves a core idle.
    maxWorkers: 2,
    // Google clients must never probe the GCE metadata server (a non-loopback address) from a test.
    env: { METADATA_SERVER_DETECTION: "none", GCE_METADATA_HOST: "127.0.0.1:9", GCE_METADATA_IP: "127.0.0.1:9" },
  },
});
