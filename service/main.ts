// Cloud Run entry: wires the real parts (Secret Manager, GCS lock, Dataform REST, the loaders) and serves.
import { BigQuery } from "@google-cloud/bigquery";
import { Storage } from "@google-cloud/storage";
import { createLogger } from "../loaders/core/log.ts";
import { configFromEnvironment, loadConfig, runLoad, type Config } from "../loaders/index.ts";
import { costVariance, queryDailyCosts } from "./cost-check.ts";
import { triggerDataform } from "./dataform.ts";
import { gcsLock, memoryLock } from "./lock.ts";
import { readSecrets } from "./secrets.ts";
import { createServer, exitOnSigterm } from "./server.ts";
import { loadSettings, type Settings } from "./settings.ts";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write("Usage: npm run serve\nThe Cloud Run service on PORT (default 8080): GET /health, POST /run-daily-job {\"mode\":\"development\",\"days\":1}.\nConfigured by environment variables and .env (README, Configuration; docs/deploy.md for the service's own).\n");
  process.exit(0);
}
const log = createLogger();
let s: Settings;
let startConfig: Config;
try {
  startConfig = configFromEnvironment(); // .env as every command; fail at start on bad loader settings, not at 06:00
  s = loadSettings(process.env);
} catch (e) {
  log.fatal({ event: "config_error" }, (e as Error).message);
  process.exit(2);
}
const ttlMs = s.LOCK_TTL_MINUTES * 60_000;

const service = createServer<Config>({
  log,
  environment: s.ENVIRONMENT,
  project: s.GOOGLE_CLOUD_PROJECT,
  runLoad,
  lock: s.LOCK_URI ? gcsLock(new Storage(), s.LOCK_URI, ttlMs) : memoryLock(ttlMs),
  async config() {
    if (s.SECRETS_SOURCE !== "secret-manager") return loadConfig(process.env);
    const { values, missing } = await readSecrets(s.GOOGLE_CLOUD_PROJECT!);
    if (missing.length) log.warn({ event: "secrets_missing", secrets: missing }, `no enabled version for: ${missing.join(", ")}`);
    return loadConfig({ ...process.env, ...values });
  },
  costCheck: s.dataform
    ? async () => {
        const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
        const rows = await queryDailyCosts(new BigQuery({ projectId: s.GOOGLE_CLOUD_PROJECT }), s.GOOGLE_CLOUD_PROJECT!, startConfig.dataset, day);
        return costVariance(rows, day, s.COST_VARIANCE_THRESHOLD);
      }
    : undefined,
  triggerDataform: s.dataform
    ? (signal) =>
        triggerDataform(s.dataform!, {
          rootUrl: s.DATAFORM_API_ROOT,
          tag: s.DATAFORM_TAG,
          serviceAccount: s.DATAFORM_SERVICE_ACCOUNT,
          pollMs: s.DATAFORM_POLL_SECONDS * 1000,
          timeoutMs: s.DATAFORM_TIMEOUT_MINUTES * 60_000,
          signal,
        })
    : undefined,
});

service.server.listen(s.PORT, () => log.info({ event: "listening", port: s.PORT, environment: s.ENVIRONMENT }, `listening on :${s.PORT}`));

exitOnSigterm(service, s.SHUTDOWN_GRACE_SECONDS * 1000, log);
