// The one list of Secret Manager secret ids (env var the loaders read -> secret id). The JSON file is the source:
// infra/secrets.tf reads it with jsondecode(file(...)), so code and Terraform cannot drift.
import names from "./secret-names.json" with { type: "json" };

export const SECRET_NAMES: Readonly<Record<"CURSOR_API_KEY" | "ANTHROPIC_ADMIN_API_KEY", string>> = names;

export type SecretEnvVar = keyof typeof SECRET_NAMES;
