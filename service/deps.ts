// The real parts of a daily run in GCP (Secret Manager, GCS lock and run records, Dataform REST, BigQuery cost check,
// the loaders), wired from the settings. Shared by the HTTP service (main.ts) and the Cloud Run job (job.ts).
import { BigQuery } from "@google-cloud/bigquery";
import { Storage } from "@google-cloud/storage";
import type { Logger } from "pino";
import { configFromEnvironment, loadConfig, runLoad, type Config } from "../loaders/index.ts";
import { costVariance, queryDailyCosts } from "./cost-check.ts";
import type { DailyRunDeps } from "./daily-run.ts";
import { triggerDataform } from "./dataform.ts";
import { gcsLock, memoryLock } from "./lock.ts";
import { gcsRunRecords } from "./run-records.ts";
import { readSecrets } from "./secrets.ts";
import { loadSettings, type Settings } from "./settings.ts";

export function dailyRunDeps(s: Settings, startConfig: Config, log: Logger): DailyRunDeps<Config> {
  const storage = new Storage();
  const ttlMs = s.LOCK_TTL_MINUTES * 60_000;
  return {
    log,
    runLoad,
    lock: s.LOCK_URI ? gcsLock(storage, s.LOCK_URI, ttlMs) : memoryLock(ttlMs),
    records: s.RUN_RECORDS_URI ? gcsRunRecords(storage, s.RUN_RECORDS_URI) : undefined,
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
      ? (signal, { fullRefresh }) =>
          triggerDataform(s.dataform!, {
            rootUrl: s.DATAFORM_API_ROOT,
            tag: s.DATAFORM_TAG,
            serviceAccount: s.DATAFORM_SERVICE_ACCOUNT,
            pollMs: s.DATAFORM_POLL_SECONDS * 1000,
            timeoutMs: s.DATAFORM_TIMEOUT_MINUTES * 60_000,
            expectedCommit: s.DATAFORM_COMMIT,
            fullRefresh,
            signal,
          })
      : undefined,
  };
}

/** Settings and the loaders' configuration, checked at start: bad values stop the process before any call. */
export function startupConfig(log: Logger): { s: Settings; config: Config } {
  try {
    // .env as every command; fail at start on bad loader settings, not at 06:00
    const config = configFromEnvironment();
    return { s: loadSettings(process.env), config };
  } catch (e) {
    log.fatal({ event: "config_error" }, (e as Error).message);
    process.exit(2);
  }
}
