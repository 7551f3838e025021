// Service-only settings; the variables every command shares (ENVIRONMENT, GOOGLE_CLOUD_PROJECT, ...) come from the
// one configuration module, with its messages. Checked once at start.
import { z } from "zod";
import { ConfigError, loadConfig } from "../loaders/core/config.ts";

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const SettingsSchema = z.object({
  PORT: positiveInt(8080),
  DATAFORM_REPOSITORY: z.string().regex(/^[a-z][a-z0-9_-]*$/, "must be the Dataform repository id, e.g. ai-usage").optional(),
  DATAFORM_REGION: z.string().regex(/^[a-z]+-[a-z]+\d+$/, "must be a region such as us-central1").optional(),
  DATAFORM_RELEASE_CONFIG: z.string().regex(/^[a-z][a-z0-9_-]*$/, "must be the release config id, e.g. production").optional(),
  DATAFORM_SERVICE_ACCOUNT: z.email("must be a service account email").optional(),
  DATAFORM_TAG: z.string().min(1).default("daily"),
  DATAFORM_API_ROOT: z.url().default("https://dataform.googleapis.com"),
  DATAFORM_TIMEOUT_MINUTES: positiveInt(60),
  /** The Dataform commit the image was released with (set at image build); the run refuses another one. */
  DATAFORM_COMMIT: z.string().regex(/^[0-9a-f]{40}$/, "must be a full git commit sha").optional(),
  DATAFORM_POLL_SECONDS: z.coerce.number().positive().default(15),
  LOCK_URI: z.string().regex(/^gs:\/\/[a-z0-9._-]+\/.+/, "must be gs://<bucket>/<object path>").optional(),
  // Longer than the Cloud Run job's task timeout (90 min), so a live run never loses its lock.
  LOCK_TTL_MINUTES: positiveInt(120),
  RUN_RECORDS_URI: z.string().regex(/^gs:\/\/[a-z0-9._-]+\/.*/, "must be gs://<bucket>/<prefix>").optional(),
  /** The Cloud Run job: mode of the scheduled run, or a whole run request (JSON) for a manual execution. */
  RUN_MODE: z.enum(["dry_run", "development", "production"]).default("production"),
  RUN_REQUEST: z.string().optional(),
  SECRETS_SOURCE: z.enum(["secret-manager", "env"]).default("env"),
  COST_VARIANCE_THRESHOLD: z.coerce.number().positive().default(0.2),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().nonnegative().default(8),
});

export type Settings = z.infer<typeof SettingsSchema> & {
  ENVIRONMENT: ReturnType<typeof loadConfig>["environment"];
  GOOGLE_CLOUD_PROJECT?: string;
  dataform?: { project: string; region: string; repository: string; releaseConfig: string };
};

/** Throws ConfigError naming the variable. Production requires the Dataform, lock and secret settings. */
export function loadSettings(env: Record<string, string | undefined>): Settings {
  const shared = loadConfig(env);
  const parsed = SettingsSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const s = { ...parsed.data, ENVIRONMENT: shared.environment, GOOGLE_CLOUD_PROJECT: shared.googleCloudProject };
  const dataformVars = [s.DATAFORM_REPOSITORY, s.DATAFORM_REGION, s.DATAFORM_RELEASE_CONFIG];
  const dataformSet = dataformVars.filter(Boolean).length;
  if (dataformSet > 0 && dataformSet < 3) {
    const missing = ["DATAFORM_REPOSITORY", "DATAFORM_REGION", "DATAFORM_RELEASE_CONFIG"].find((_, i) => !dataformVars[i])!;
    throw new ConfigError(missing, "set DATAFORM_REPOSITORY, DATAFORM_REGION and DATAFORM_RELEASE_CONFIG together");
  }
  if (dataformSet === 3 && !s.GOOGLE_CLOUD_PROJECT) {
    throw new ConfigError("GOOGLE_CLOUD_PROJECT", "is required to reach the Dataform repository; set it to your project id");
  }
  if (s.ENVIRONMENT !== "development") {
    if (dataformSet === 0) throw new ConfigError("DATAFORM_REPOSITORY", `is required when ENVIRONMENT=${s.ENVIRONMENT}`);
    if (!s.LOCK_URI) throw new ConfigError("LOCK_URI", `is required when ENVIRONMENT=${s.ENVIRONMENT}: gs://<state bucket>/locks/daily-job.lock`);
    if (!s.RUN_RECORDS_URI) throw new ConfigError("RUN_RECORDS_URI", `is required when ENVIRONMENT=${s.ENVIRONMENT}: gs://<state bucket>/`);
    if (s.SECRETS_SOURCE !== "secret-manager") {
      throw new ConfigError("SECRETS_SOURCE", `must be secret-manager when ENVIRONMENT=${s.ENVIRONMENT}`);
    }
  }
  if (s.SECRETS_SOURCE === "secret-manager" && !s.GOOGLE_CLOUD_PROJECT) {
    throw new ConfigError("GOOGLE_CLOUD_PROJECT", "is required to read secrets from Secret Manager");
  }
  return {
    ...s,
    dataform:
      dataformSet === 3
        ? {
            project: s.GOOGLE_CLOUD_PROJECT!,
            region: s.DATAFORM_REGION!,
            repository: s.DATAFORM_REPOSITORY!,
            releaseConfig: s.DATAFORM_RELEASE_CONFIG!,
          }
        : undefined,
  };
}
