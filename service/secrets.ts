// Vendor keys from Secret Manager, read once per run into the env handed to loadConfig. Values are never logged:
// loadConfig registers them with the shared redactor.
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { SECRET_NAMES, type SecretEnvVar } from "./secret-names.ts";

export type SecretValues = Partial<Record<SecretEnvVar, string>>;

export interface SecretReadResult {
  values: SecretValues;
  /** Secret ids with no enabled version: that source is then not configured. */
  missing: string[];
}

type Accessor = Pick<SecretManagerServiceClient, "accessSecretVersion">;

// gRPC NOT_FOUND and FAILED_PRECONDITION (version disabled or destroyed); HTTP 404 in the client's REST mode.
const ABSENT_CODES = new Set([5, 9, 404]);

export async function readSecrets(project: string, client: Accessor = new SecretManagerServiceClient()): Promise<SecretReadResult> {
  const values: SecretValues = {};
  const missing: string[] = [];
  await Promise.all(
    (Object.entries(SECRET_NAMES) as [SecretEnvVar, string][]).map(async ([envVar, id]) => {
      try {
        const [version] = await client.accessSecretVersion({ name: `projects/${project}/secrets/${id}/versions/latest` });
        const value = version.payload?.data ? Buffer.from(version.payload.data).toString("utf8").trim() : "";
        if (value) values[envVar] = value;
        else missing.push(id);
      } catch (e) {
        const code = (e as { code?: number }).code;
        if (code !== undefined && ABSENT_CODES.has(code)) missing.push(id);
        else throw new Error(`reading secret ${id} failed: ${(e as Error).message}`, { cause: e });
      }
    }),
  );
  return { values, missing: missing.sort() };
}
