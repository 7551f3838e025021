// The one list of Secret Manager secret ids: env var the loaders read -> secret id.
// infra/secrets.tf and the workflows use the same ids; test/infra checks they agree.
export const SECRET_NAMES = {
  CURSOR_API_KEY: "cursor-api-key",
  ANTHROPIC_ADMIN_API_KEY: "anthropic-admin-api-key",
} as const;

export type SecretEnvVar = keyof typeof SECRET_NAMES;
